import { PostCreated, PostDeleted, uuidv7, type Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { ForbiddenError, NotFoundError, UnauthorizedError } from '@chatty/domain'
import { type AuthUser } from '@chatty/http'
import { enqueue } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import type { PostsContext } from '../context.js'
import type { AuthorRow } from '../entities/author.entity.js'
import { Post, type PostRow } from '../entities/post.entity.js'
import { SERVICE } from '../service.js'
import { AUTHOR_IN_GOOD_STANDING_SQL, ensureAuthor, isInGoodStanding } from './authors.js'
import { parseMentions, parseTags } from './content.js'

export interface NewPost {
  content: string
  title: string | null
  visibility: Visibility
}

/** A post as a reader sees it: the row and its author's public profile. */
export interface PostView {
  id: string
  authorId: string
  title: string | null
  content: string
  tags: string[]
  mentions: string[]
  visibility: Visibility
  likeCount: number
  commentCount: number
  repostCount: number
  createdAt: Date
  updatedAt: Date
  author: { id: string; username: string; displayName: string; avatarUrl: string | null }
}

/** Where a page of a list starts: just after this post in newest-first order. */
export interface PostPosition {
  createdAt: Date
  id: string
}

export interface PostFilter {
  id?: string
  authorId?: string
  tag?: string
  after?: PostPosition
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(value: string): boolean {
  return UUID.test(value)
}

/** Moderators and admins may remove any post. */
export function canModerate(user: Pick<AuthUser, 'role'>): boolean {
  return user.role === 'moderator' || user.role === 'admin'
}

interface PostViewRow {
  id: string
  author_id: string
  title: string | null
  content: string
  tags: string[]
  mentions: string[]
  visibility: Visibility
  like_count: number
  comment_count: number
  repost_count: number
  created_at: Date | string
  updated_at: Date | string
  username: string | null
  display_name: string | null
  avatar_url: string | null
}

function toView(row: PostViewRow): PostView {
  const username = row.username ?? ''
  return {
    id: row.id,
    authorId: row.author_id,
    title: row.title,
    content: row.content,
    tags: row.tags,
    mentions: row.mentions,
    visibility: row.visibility,
    likeCount: row.like_count,
    commentCount: row.comment_count,
    repostCount: row.repost_count,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    author: {
      id: row.author_id,
      username,
      displayName: row.display_name ?? username,
      avatarUrl: row.avatar_url,
    },
  }
}

/**
 * The posts `viewer` may see, newest first: not deleted, by an author in good standing, and
 * public, the viewer's own, or followers-only by someone the viewer follows. Private posts are
 * for their author alone.
 */
export async function findVisiblePosts(
  em: EntityManager,
  viewer: Pick<AuthUser, 'id'> | undefined,
  filter: PostFilter,
  limit: number,
  now: Date,
): Promise<PostView[]> {
  const viewerId = viewer?.id ?? null
  const conditions = [
    'p.deleted_at is null',
    AUTHOR_IN_GOOD_STANDING_SQL,
    `(p.visibility = 'public'
      or p.author_id = ?::uuid
      or (p.visibility = 'followers' and exists (
        select 1 from follows f
         where f.follower_id = ?::uuid and f.followee_id = p.author_id and f.following)))`,
  ]
  const params: unknown[] = [now, viewerId, viewerId]
  if (filter.id !== undefined) {
    conditions.push('p.id = ?')
    params.push(filter.id)
  }
  if (filter.authorId !== undefined) {
    conditions.push('p.author_id = ?')
    params.push(filter.authorId)
  }
  if (filter.tag !== undefined) {
    conditions.push('p.tags @> array[?]::text[]')
    params.push(filter.tag)
  }
  if (filter.after !== undefined) {
    conditions.push('(p.created_at, p.id) < (?::timestamptz, ?::uuid)')
    params.push(filter.after.createdAt, filter.after.id)
  }
  params.push(limit)
  const rows = await em.execute<PostViewRow[]>(
    `select p.id, p.author_id, p.title, p.content, p.tags, p.mentions, p.visibility,
            p.like_count, p.comment_count, p.repost_count, p.created_at, p.updated_at,
            a.username, a.display_name, a.avatar_url
       from posts p
       join authors a on a.id = p.author_id
      where ${conditions.join('\n        and ')}
      order by p.created_at desc, p.id desc
      limit ?`,
    params,
  )
  return rows.map(toView)
}

/** One post if `viewer` may see it; a malformed id is simply not found. */
export async function findVisiblePost(
  em: EntityManager,
  viewer: Pick<AuthUser, 'id'> | undefined,
  id: string,
  now: Date,
): Promise<PostView | null> {
  if (!isUuid(id)) return null
  const [post] = await findVisiblePosts(em, viewer, { id }, 1, now)
  return post ?? null
}

/**
 * Creates the post and its PostCreated event in one transaction. The author's row comes from
 * UserRegistered; when the user posts before that event has arrived, the token's username fills in.
 */
export async function createPost(
  ctx: PostsContext,
  user: AuthUser,
  input: NewPost,
  correlationId: string | null,
): Promise<PostView> {
  const now = ctx.clock()
  return ctx.orm.em.fork().transactional(async (em) => {
    const author = await ensureAuthor(em, user.id, now)
    if (author.status === 'deleted') throw new UnauthorizedError('This account no longer exists.')
    if (!isInGoodStanding(author, now)) {
      throw new ForbiddenError('This account is banned.', 'account-banned')
    }
    if (!author.username) {
      author.username = user.username
      author.updatedAt = now
    }
    const post = em.create(Post, {
      id: uuidv7(now.getTime()),
      authorId: user.id,
      title: input.title,
      content: input.content,
      tags: parseTags(input.content),
      mentions: parseMentions(input.content),
      visibility: input.visibility,
      likeCount: 0,
      commentCount: 0,
      repostCount: 0,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      deletedBy: null,
      deletionReason: null,
    })
    enqueue(
      em,
      PostCreated,
      {
        postId: post.id,
        authorId: post.authorId,
        content: post.content,
        title: post.title ?? null,
        tags: post.tags,
        mentions: post.mentions,
        visibility: post.visibility,
        createdAt: now.toISOString(),
      },
      { producer: SERVICE.name, correlationId, occurredAt: now },
    )
    return viewOf(post, author)
  })
}

function viewOf(post: PostRow, author: AuthorRow): PostView {
  const username = author.username ?? ''
  return {
    id: post.id,
    authorId: post.authorId,
    title: post.title ?? null,
    content: post.content,
    tags: post.tags,
    mentions: post.mentions,
    visibility: post.visibility,
    likeCount: post.likeCount,
    commentCount: post.commentCount,
    repostCount: post.repostCount,
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
    author: {
      id: author.id,
      username,
      displayName: author.displayName ?? username,
      avatarUrl: author.avatarUrl ?? null,
    },
  }
}

/** Soft-deletes a locked, live post and queues PostDeleted in the caller's transaction. */
export function markDeleted(
  em: EntityManager,
  post: PostRow,
  deletion: { by: string; at: Date; reason: string | null },
  correlationId: string | null,
): void {
  post.deletedAt = deletion.at
  post.deletedBy = deletion.by
  post.deletionReason = deletion.reason
  enqueue(
    em,
    PostDeleted,
    {
      postId: post.id,
      authorId: post.authorId,
      deletedBy: deletion.by,
      deletedAt: deletion.at.toISOString(),
    },
    { producer: SERVICE.name, correlationId, occurredAt: deletion.at },
  )
}

/**
 * Deletes a post for its author, a moderator or an admin. Ownership is part of the query; someone
 * else gets 403 for a post they can see and 404 for one they cannot.
 */
export async function deletePost(
  ctx: PostsContext,
  user: AuthUser,
  id: string,
  correlationId: string | null,
): Promise<void> {
  if (!isUuid(id)) throw new NotFoundError('No such post.')
  const now = ctx.clock()
  await ctx.orm.em.fork().transactional(async (em) => {
    const post = await em.findOne(
      Post,
      canModerate(user) ? { id, deletedAt: null } : { id, authorId: user.id, deletedAt: null },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    )
    if (!post) {
      if (await findVisiblePost(em, user, id, now)) {
        throw new ForbiddenError(
          'Only the author or a moderator can delete this post.',
          'not-owner',
        )
      }
      throw new NotFoundError('No such post.')
    }
    markDeleted(em, post, { by: user.id, at: now, reason: null }, correlationId)
  })
}
