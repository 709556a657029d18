import {
  CommentCreated,
  CommentDeleted,
  CommentUpdated,
  UUID_PATTERN,
  uuidv7,
} from '@chatty/contracts'
import { type EntityManager, inGoodStandingAt } from '@chatty/db'
import { ForbiddenError, isInGoodStanding, NotFoundError, ValidationError } from '@chatty/domain'
import type { AuthUser } from '@chatty/http'
import { enqueue } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import type { PostsContext } from '../context.js'
import { db } from '../db.js'
import { Author, type AuthorRow } from '../entities/author.entity.js'
import { Comment, type CommentRow } from '../entities/comment.entity.js'
import { Post } from '../entities/post.entity.js'
import { SERVICE } from '../service.js'
import { ensureWritingAuthor } from './authors.js'
import { parseMentions } from './content.js'
import { movePostCounts } from './post-counters.js'
import { canModerate, findVisiblePost } from './posts.js'

type Deps = Pick<PostsContext, 'clock'>
type Viewer = Pick<AuthUser, 'id'> | undefined

/** A comment as a reader sees it: the row and its author's public profile. */
export interface CommentView {
  id: string
  postId: string
  parentId: string | null
  authorId: string
  content: string
  mentions: string[]
  createdAt: Date
  updatedAt: Date
  author: { id: string; username: string; displayName: string; avatarUrl: string | null }
}

/** Where a page of a post's comments starts: just after this comment, oldest first. */
export interface CommentPosition {
  createdAt: Date
  id: string
}

function authorSummary(author: {
  id: string
  username?: string | null
  displayName?: string | null
  avatarUrl?: string | null
}): CommentView['author'] {
  const username = author.username ?? ''
  return {
    id: author.id,
    username,
    displayName: author.displayName ?? username,
    avatarUrl: author.avatarUrl ?? null,
  }
}

function viewOf(comment: CommentRow, author: AuthorRow): CommentView {
  return {
    id: comment.id,
    postId: comment.postId,
    parentId: comment.parentId ?? null,
    authorId: comment.authorId,
    content: comment.content,
    mentions: comment.mentions,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    author: authorSummary(author),
  }
}

/**
 * Up to `limit` comments of a post, oldest first, after `after`. Deleted comments and those of
 * banned or deleted authors are left out; replies to them stay (their `parentId` still names
 * them). The caller has checked that the viewer may see the post.
 */
export async function findPostComments(
  em: EntityManager,
  { clock }: Deps,
  input: { postId: string; after?: CommentPosition; limit: number },
): Promise<CommentView[]> {
  const now = clock()
  let query = db(em)
    .selectFrom('comments as c')
    .innerJoin('authors as a', 'a.id', 'c.author_id')
    .select([
      'c.id',
      'c.post_id',
      'c.parent_id',
      'c.author_id',
      'c.content',
      'c.mentions',
      'c.created_at',
      'c.updated_at',
      'a.username',
      'a.display_name',
      'a.avatar_url',
    ])
    .where('c.post_id', '=', input.postId)
    .where('c.deleted_at', 'is', null)
    .where((eb) =>
      inGoodStandingAt(
        eb,
        { status: eb.ref('a.status'), bannedUntil: eb.ref('a.banned_until') },
        now,
      ),
    )
  const after = input.after
  if (after !== undefined) {
    query = query.where((eb) =>
      eb(eb.refTuple('c.created_at', 'c.id'), '>', eb.tuple(after.createdAt, after.id)),
    )
  }
  const rows = await query
    .orderBy('c.created_at', 'asc')
    .orderBy('c.id', 'asc')
    .limit(input.limit)
    .execute()
  return rows.map((row) => ({
    id: row.id,
    postId: row.post_id,
    parentId: row.parent_id,
    authorId: row.author_id,
    content: row.content,
    mentions: row.mentions,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    author: authorSummary({
      id: row.author_id,
      username: row.username,
      displayName: row.display_name,
      avatarUrl: row.avatar_url,
    }),
  }))
}

/** The post of a comment route, if the viewer may see it; 404 otherwise. */
async function visiblePost(em: EntityManager, now: Date, viewer: Viewer, postId: string) {
  const post = await findVisiblePost(em, { clock: () => now }, { viewer, id: postId })
  if (!post) throw new NotFoundError('No such post.')
  return post
}

/** A live comment of `postId`, locked for a change; null for an unknown or malformed id. */
async function lockLiveComment(
  em: EntityManager,
  postId: string,
  commentId: string,
): Promise<CommentRow | null> {
  if (!UUID_PATTERN.test(commentId)) return null
  return em.findOne(
    Comment,
    { id: commentId, postId, deletedAt: null },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
}

/** Whether others see the comment: its author is in good standing at `now`. */
async function isShown(em: EntityManager, now: Date, comment: CommentRow): Promise<boolean> {
  const author = await em.findOne(Author, { id: comment.authorId })
  return author !== null && isInGoodStanding(author, now)
}

/**
 * Writes a comment on a post the caller may see, or a reply to a live, shown comment of the same
 * post (422 naming `parentId` otherwise), and queues CommentCreated in the caller's transaction.
 * The comment counts on its post; the author's row is locked, so a ban committing meanwhile
 * either refuses this comment or waits for it and then takes it out of the count with the rest.
 */
export async function createComment(
  em: EntityManager,
  { clock }: Deps,
  input: {
    user: AuthUser
    postId: string
    comment: { content: string; parentId?: string | undefined }
    correlationId: string | null
  },
): Promise<CommentView> {
  const { user, postId, comment: content, correlationId } = input
  const now = clock()
  const author = await ensureWritingAuthor(em, now, { user, lock: true })
  const post = await visiblePost(em, now, user, postId)
  let parentAuthorId: string | null = null
  if (content.parentId !== undefined) {
    const parent = await em.findOne(Comment, {
      id: content.parentId,
      postId: post.id,
      deletedAt: null,
    })
    if (!parent || !(await isShown(em, now, parent))) {
      throw new ValidationError([
        { path: 'parentId', message: 'Must be a comment of this post that is still there.' },
      ])
    }
    parentAuthorId = parent.authorId
  }
  const comment = em.create(Comment, {
    id: uuidv7(now.getTime()),
    postId: post.id,
    parentId: content.parentId ?? null,
    authorId: user.id,
    content: content.content,
    mentions: parseMentions(content.content),
    // Only an author in good standing gets this far (`ensureWritingAuthor`).
    counted: true,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    deletedBy: null,
    deletionReason: null,
  })
  enqueue(
    em,
    CommentCreated,
    {
      commentId: comment.id,
      postId: post.id,
      postAuthorId: post.authorId,
      authorId: comment.authorId,
      parentId: comment.parentId ?? null,
      parentAuthorId,
      content: comment.content,
      mentions: comment.mentions,
      createdAt: now.toISOString(),
    },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
  // The counter shard is taken last, so it is held only for the commit.
  await em.flush()
  await movePostCounts(em, post.id, { comments: 1 })
  return viewOf(comment, author)
}

/**
 * Changes a comment's text for its author (403 `not-owner` for anyone else who can see it, 404
 * for whoever cannot) and queues CommentUpdated in the caller's transaction.
 */
export async function editComment(
  em: EntityManager,
  { clock }: Deps,
  input: {
    user: AuthUser
    postId: string
    commentId: string
    content: string
    correlationId: string | null
  },
): Promise<CommentView> {
  const { user, postId, commentId, correlationId } = input
  const now = clock()
  const post = await visiblePost(em, now, user, postId)
  const comment = await lockLiveComment(em, post.id, commentId)
  if (!comment) throw new NotFoundError('No such comment.')
  if (comment.authorId !== user.id) {
    if (!(await isShown(em, now, comment))) throw new NotFoundError('No such comment.')
    throw new ForbiddenError('Only the author can edit this comment.', 'not-owner')
  }
  const author = await ensureWritingAuthor(em, now, { user })
  comment.content = input.content
  comment.mentions = parseMentions(input.content)
  comment.updatedAt = now
  enqueue(
    em,
    CommentUpdated,
    {
      commentId: comment.id,
      postId: comment.postId,
      authorId: comment.authorId,
      content: comment.content,
      mentions: comment.mentions,
      updatedAt: now.toISOString(),
    },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
  return viewOf(comment, author)
}

/**
 * Soft-deletes a locked, live comment, takes it out of its post's count if it was in it, and
 * queues CommentDeleted, in the caller's transaction.
 */
async function markDeleted(
  em: EntityManager,
  comment: CommentRow,
  postAuthorId: string,
  deletion: { by: string; at: Date; reason: string | null },
  correlationId: string | null,
): Promise<void> {
  const wasCounted = comment.counted
  comment.deletedAt = deletion.at
  comment.deletedBy = deletion.by
  comment.deletionReason = deletion.reason
  comment.counted = false
  enqueue(
    em,
    CommentDeleted,
    {
      commentId: comment.id,
      postId: comment.postId,
      postAuthorId,
      authorId: comment.authorId,
      deletedBy: deletion.by,
      deletedAt: deletion.at.toISOString(),
    },
    { producer: SERVICE.name, correlationId, occurredAt: deletion.at },
  )
  await em.flush()
  if (wasCounted) await movePostCounts(em, comment.postId, { comments: -1 })
}

/**
 * Deletes a comment for its author, the post's author, a moderator or an admin (403 `not-owner`
 * for anyone else). Others need to see the post and the comment (404 otherwise); staff may
 * remove any live comment of a live post, as they may remove any post.
 */
export async function deleteComment(
  em: EntityManager,
  { clock }: Deps,
  input: { user: AuthUser; postId: string; commentId: string; correlationId: string | null },
): Promise<void> {
  const { user, postId, commentId, correlationId } = input
  const now = clock()
  const staff = canModerate(user)
  let postAuthorId: string
  if (staff) {
    const post = UUID_PATTERN.test(postId)
      ? await em.findOne(Post, { id: postId, deletedAt: null })
      : null
    if (!post) throw new NotFoundError('No such post.')
    postAuthorId = post.authorId
  } else {
    postAuthorId = (await visiblePost(em, now, user, postId)).authorId
  }
  const comment = await lockLiveComment(em, postId, commentId)
  if (!comment || (!staff && !(await isShown(em, now, comment)))) {
    throw new NotFoundError('No such comment.')
  }
  if (!staff && comment.authorId !== user.id && postAuthorId !== user.id) {
    throw new ForbiddenError(
      'Only the comment’s author, the post’s author or a moderator can delete this comment.',
      'not-owner',
    )
  }
  await markDeleted(
    em,
    comment,
    postAuthorId,
    { by: user.id, at: now, reason: null },
    correlationId,
  )
}

/**
 * A moderator's takedown (from admin): removes the comment like a delete, naming who and why. A
 * comment already deleted stays as it is; an unknown one is reported so the caller can log it.
 */
export async function takeDownComment(
  em: EntityManager,
  { clock }: Deps,
  input: { commentId: string; requestedBy: string; reason: string; correlationId: string | null },
): Promise<'taken-down' | 'already-deleted' | 'not-found'> {
  const comment = await em.findOne(
    Comment,
    { id: input.commentId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  if (!comment) return 'not-found'
  if (comment.deletedAt) return 'already-deleted'
  const post = await em.findOneOrFail(Post, { id: comment.postId })
  await markDeleted(
    em,
    comment,
    post.authorId,
    { by: input.requestedBy, at: clock(), reason: input.reason.slice(0, 500) },
    input.correlationId,
  )
  return 'taken-down'
}
