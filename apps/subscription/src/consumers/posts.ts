import { PostCreated, PostDeleted, PostUpdated, type Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { QueryResult } from '@mikro-orm/core'

import type { SubscriptionContext } from '../context.js'
import { fanOutPost, hideFromFollowers, showToFollowers, withdrawPost } from '../domain/fan-out.js'
import { toDate } from '../domain/sql.js'
import { ensureUser } from '../domain/users.js'

async function movePostsCount(em: EntityManager, authorId: string, by: 1 | -1): Promise<void> {
  await em.execute('update users set posts_count = greatest(posts_count + ?, 0) where id = ?', [
    by,
    authorId,
  ])
}

/**
 * When a post was created, from its id: posts makes ids UUIDv7 from the creation time, to the
 * millisecond. Needed when a PostUpdated arrives first and has to create the post.
 */
function creationTimeOf(postId: string): Date | null {
  const hex = postId.replaceAll('-', '')
  if (hex[12] !== '7') return null
  return new Date(Number.parseInt(hex.slice(0, 12), 16))
}

interface LockedPost {
  visibility: Visibility
  created_at: string
  updated_at: string
  deleted_at: string | null
}

async function lockPost(em: EntityManager, postId: string): Promise<LockedPost | null> {
  const [post] = await em.execute<LockedPost[]>(
    'select visibility, created_at, updated_at, deleted_at from posts where id = ? for update',
    [postId],
  )
  return post ?? null
}

export function registerPostConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(PostCreated, async (event, { em }) => {
    const createdAt = new Date(event.createdAt)
    const author = await ensureUser(em, event.authorId, createdAt)
    const inserted = await em.execute<QueryResult>(
      `insert into posts (id, author_id, title, content, tags, mentions, visibility, created_at, updated_at)
       values (?, ?, ?, ?, array[?]::text[], array[?]::text[], ?, ?, ?)
       on conflict (id) do nothing`,
      [
        event.postId,
        event.authorId,
        event.title,
        event.content,
        event.tags,
        event.mentions,
        event.visibility,
        createdAt,
        createdAt,
      ],
      'run',
    )
    // Already known: a tombstone left by an earlier PostDeleted, or a post fanned out before (by
    // a duplicate, or by a PostUpdated that overtook this event and carried newer content).
    if (inserted.affectedRows === 0) return
    await movePostsCount(em, event.authorId, 1)
    await fanOutPost(ctx, em, author, {
      id: event.postId,
      authorId: event.authorId,
      visibility: event.visibility,
      createdAt,
    })
  })

  ctx.messaging.consumer.on(PostUpdated, async (event, { em }) => {
    const updatedAt = new Date(event.updatedAt)
    const author = await ensureUser(em, event.authorId, updatedAt)
    const post = await lockPost(em, event.postId)
    if (!post) {
      // The PostCreated is still on its way: this event creates the post with its newer
      // content, and the PostCreated is ignored when it comes.
      const createdAt = creationTimeOf(event.postId) ?? updatedAt
      await em.execute(
        `insert into posts (id, author_id, title, content, tags, mentions, visibility, created_at, updated_at)
         values (?, ?, ?, ?, array[?]::text[], array[?]::text[], ?, ?, ?)`,
        [
          event.postId,
          event.authorId,
          event.title,
          event.content,
          event.tags,
          event.mentions,
          event.visibility,
          createdAt,
          updatedAt,
        ],
      )
      await movePostsCount(em, event.authorId, 1)
      await fanOutPost(ctx, em, author, {
        id: event.postId,
        authorId: event.authorId,
        visibility: event.visibility,
        createdAt,
      })
      return
    }
    if (post.deleted_at || toDate(post.updated_at) >= updatedAt) return
    await em.execute(
      `update posts set title = ?, content = ?, tags = array[?]::text[], mentions = array[?]::text[],
              visibility = ?, updated_at = ?
        where id = ?`,
      [
        event.title,
        event.content,
        event.tags,
        event.mentions,
        event.visibility,
        updatedAt,
        event.postId,
      ],
    )
    await ctx.feeds.forgetPosts([event.postId])
    const wasShared = post.visibility !== 'private'
    const isShared = event.visibility !== 'private'
    if (wasShared && !isShared) {
      await hideFromFollowers(ctx, em, event.authorId, event.postId)
    } else if (!wasShared && isShared) {
      await showToFollowers(ctx, em, author, {
        id: event.postId,
        authorId: event.authorId,
        visibility: event.visibility,
        createdAt: toDate(post.created_at),
      })
    }
  })

  ctx.messaging.consumer.on(PostDeleted, async (event, { em }) => {
    const deletedAt = new Date(event.deletedAt)
    await ensureUser(em, event.authorId, deletedAt)
    const tombstone = await em.execute<QueryResult>(
      `insert into posts (id, author_id, content, visibility, created_at, updated_at, deleted_at)
       values (?, ?, '', 'public', ?, ?, ?)
       on conflict (id) do nothing`,
      [event.postId, event.authorId, deletedAt, deletedAt, deletedAt],
      'run',
    )
    // Deleted before it was created here: it never reached a feed, and the tombstone keeps it out.
    if (tombstone.affectedRows === 1) return
    const deleted = await em.execute<QueryResult>(
      'update posts set deleted_at = ? where id = ? and deleted_at is null',
      [deletedAt, event.postId],
      'run',
    )
    if (deleted.affectedRows === 0) return
    await movePostsCount(em, event.authorId, -1)
    await withdrawPost(ctx, em, event.authorId, event.postId)
  })
}
