import {
  type Media,
  type MessageData,
  PostCountsChanged,
  PostCreated,
  PostDeleted,
  PostUpdated,
} from '@chatty/contracts'
import { type EntityManager, preparedQuery } from '@chatty/db'
import { sql } from 'kysely'

import type { SubscriptionContext } from '../context.js'
import { db } from '../db.js'
import { fanOutPost, hideFromFollowers, showToFollowers, withdrawPost } from '../domain/fan-out.js'
import { recordPoll } from '../domain/polls.js'
import { ensureUser, moveCounter, type UserRecord } from '../domain/users.js'
import { Post } from '../entities/post.entity.js'

/**
 * When a post was created, from its id: posts makes ids UUIDv7 from the creation time, to the
 * millisecond. Needed when a PostUpdated arrives first and has to create the post.
 */
function creationTimeOf(postId: string): Date | null {
  const hex = postId.replaceAll('-', '')
  if (hex[12] !== '7') return null
  return new Date(Number.parseInt(hex.slice(0, 12), 16))
}

async function lockPost(em: EntityManager, postId: string) {
  return db(em)
    .selectFrom('posts')
    .select(['visibility', 'created_at', 'updated_at', 'deleted_at'])
    .where('id', '=', postId)
    .forUpdate()
    .executeTakeFirst()
}

type PostContent = Pick<
  MessageData<typeof PostCreated>,
  'postId' | 'authorId' | 'title' | 'content' | 'tags' | 'mentions' | 'visibility'
> & { createdAt: Date; updatedAt: Date; media?: Media[] | undefined }

/** Inserts a post unless its id is known; answers its id when it was inserted. */
const insertPostQuery = preparedQuery(
  (
    em,
    values: Omit<PostContent, 'media'> & {
      /** The pictures, as JSON. */
      media: string
    },
  ) =>
    db(em)
      .insertInto('posts')
      .values({
        id: values.postId,
        author_id: values.authorId,
        title: values.title,
        content: values.content,
        tags: values.tags,
        mentions: values.mentions,
        visibility: values.visibility,
        media: sql<Media[]>`${values.media}::jsonb`,
        created_at: values.createdAt,
        updated_at: values.updatedAt,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .returning('id'),
)

/**
 * Records a post this service has not seen, counts it and fans it out. A post it knows already is
 * left as it is: a tombstone left by an earlier PostDeleted, or a post fanned out before (by a
 * duplicate, or by a PostUpdated that overtook its PostCreated and carried newer content).
 */
async function addPost(
  em: EntityManager,
  ctx: SubscriptionContext,
  author: UserRecord,
  post: PostContent,
): Promise<void> {
  const inserted = await insertPostQuery(em, {
    postId: post.postId,
    authorId: post.authorId,
    title: post.title,
    content: post.content,
    tags: post.tags,
    mentions: post.mentions,
    visibility: post.visibility,
    media: JSON.stringify(post.media ?? []),
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
  })
  if (inserted.length === 0) return
  await moveCounter(em, post.authorId, 'posts_count', 1)
  await fanOutPost(em, ctx, {
    author,
    post: {
      id: post.postId,
      authorId: post.authorId,
      visibility: post.visibility,
      createdAt: post.createdAt,
    },
  })
}

export function registerPostConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(PostCreated, async (event, { em, afterCommit }) => {
    const createdAt = new Date(event.createdAt)
    const author = await ensureUser(em, event.authorId, createdAt)
    // Recorded whether or not the post is new here: a PostUpdated that came first made the post.
    if (event.poll && (await recordPoll(em, event.postId, event.poll))) {
      const forget = () => ctx.feeds.forgetPosts([event.postId])
      await forget()
      afterCommit(forget)
    }
    await addPost(em, ctx, author, { ...event, createdAt, updatedAt: createdAt })
    if (!event.media?.length) return
    // A PostUpdated that overtook this event created the post without its pictures (only
    // PostCreated carries them, and they never change): they are added now.
    const completed = await db(em)
      .updateTable('posts')
      .set({ media: sql<Media[]>`${JSON.stringify(event.media)}::jsonb` })
      .where('id', '=', event.postId)
      .where(sql<boolean>`media = '[]'::jsonb`)
      .executeTakeFirst()
    if (completed.numUpdatedRows === 0n) return
    const forget = () => ctx.feeds.forgetPosts([event.postId])
    await forget()
    afterCommit(forget)
  })

  ctx.messaging.consumer.on(PostUpdated, async (event, { em, afterCommit }) => {
    const updatedAt = new Date(event.updatedAt)
    const author = await ensureUser(em, event.authorId, updatedAt)
    const post = await lockPost(em, event.postId)
    if (!post) {
      // The PostCreated is still on its way: this event creates the post with its newer
      // content, and the PostCreated is ignored when it comes.
      const createdAt = creationTimeOf(event.postId) ?? updatedAt
      await addPost(em, ctx, author, { ...event, createdAt, updatedAt })
      return
    }
    if (post.deleted_at || post.updated_at >= updatedAt) return
    await em.nativeUpdate(
      Post,
      { id: event.postId },
      {
        title: event.title,
        content: event.content,
        tags: event.tags,
        mentions: event.mentions,
        visibility: event.visibility,
        updatedAt,
      },
    )
    // Forgotten again after the commit, so a read in between cannot keep the old body cached.
    const forget = () => ctx.feeds.forgetPosts([event.postId])
    await forget()
    afterCommit(forget)
    const wasShared = post.visibility !== 'private'
    const isShared = event.visibility !== 'private'
    if (wasShared && !isShared) {
      await hideFromFollowers(em, ctx, {
        author,
        post: { id: event.postId, at: post.created_at.getTime() },
      })
    } else if (!wasShared && isShared) {
      await showToFollowers(em, ctx, {
        author,
        post: {
          id: event.postId,
          authorId: event.authorId,
          visibility: event.visibility,
          createdAt: post.created_at,
        },
      })
    }
  })

  // posts totals the counts; the highest version wins, whatever order the events come in. Kept
  // apart from the post row, so counts that overtake the PostCreated wait for it there.
  ctx.messaging.consumer.on(PostCountsChanged, async (event, { em, afterCommit }) => {
    const stored = await db(em)
      .insertInto('post_counts')
      .values({
        post_id: event.postId,
        like_count: event.likeCount,
        comment_count: event.commentCount,
        repost_count: event.repostCount,
        poll_votes: event.poll?.votes ?? null,
        poll_voters_count: event.poll?.votersCount ?? null,
        version: event.version,
      })
      .onConflict((conflict) =>
        conflict
          .column('post_id')
          .doUpdateSet((eb) => ({
            like_count: eb.ref('excluded.like_count'),
            comment_count: eb.ref('excluded.comment_count'),
            repost_count: eb.ref('excluded.repost_count'),
            poll_votes: eb.ref('excluded.poll_votes'),
            poll_voters_count: eb.ref('excluded.poll_voters_count'),
            version: eb.ref('excluded.version'),
          }))
          .where((eb) => eb('post_counts.version', '<', eb.ref('excluded.version'))),
      )
      .executeTakeFirstOrThrow()
    if (stored.numInsertedOrUpdatedRows === 0n) return
    // Cached bodies carry the counts: forgotten now and again after the commit (see PostUpdated).
    const forget = () => ctx.feeds.forgetPosts([event.postId])
    await forget()
    afterCommit(forget)
  })

  ctx.messaging.consumer.on(PostDeleted, async (event, { em }) => {
    const deletedAt = new Date(event.deletedAt)
    const author = await ensureUser(em, event.authorId, deletedAt)
    const tombstone = await db(em)
      .insertInto('posts')
      .values({
        id: event.postId,
        author_id: event.authorId,
        content: '',
        visibility: 'public',
        created_at: deletedAt,
        updated_at: deletedAt,
        deleted_at: deletedAt,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirstOrThrow()
    // Deleted before it was created here: it never reached a feed, and the tombstone keeps it out.
    if (tombstone.numInsertedOrUpdatedRows === 1n) return
    const deleted = await db(em)
      .updateTable('posts')
      .set({ deleted_at: deletedAt })
      .where('id', '=', event.postId)
      .where('deleted_at', 'is', null)
      .returning('created_at')
      .executeTakeFirst()
    if (!deleted) return
    await moveCounter(em, event.authorId, 'posts_count', -1)
    await withdrawPost(em, ctx, {
      author,
      post: { id: event.postId, at: deleted.created_at.getTime() },
    })
  })
}
