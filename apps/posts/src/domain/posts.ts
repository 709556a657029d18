import {
  type Poll as PollShape,
  PostCreated,
  PostDeleted,
  PostUpdated,
  UUID_PATTERN,
  uuidv7,
  type Visibility,
} from '@chatty/contracts'
import { type EntityManager, inGoodStandingAt, movePostCount, preparedQuery } from '@chatty/db'
import { ForbiddenError, NotFoundError } from '@chatty/domain'
import type { AuthUser } from '@chatty/http'
import { enqueue } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'
import { type RawBuilder, sql } from 'kysely'

import type { MediaConfig } from '../config.js'
import type { PostsContext } from '../context.js'
import { db } from '../db.js'
import type { AuthorRow } from '../entities/author.entity.js'
import { Post, type PostRow } from '../entities/post.entity.js'
import { SERVICE } from '../service.js'
import { ensureWritingAuthor } from './authors.js'
import { parseMentions, parseTags } from './content.js'
import { attachMedia, discardMedia, mediaOfPosts, type MediaView, toMedia } from './media.js'
import { createPoll, type NewPoll, type PollDefinition, pollShapeOf } from './poll-definition.js'
import { POLL_VOTE_COLUMNS } from './post-counters.js'
import { recordTagUses } from './trending-tags.js'

type Deps = Pick<PostsContext, 'clock'>
type Viewer = Pick<AuthUser, 'id'> | undefined

export interface NewPost {
  content: string
  title: string | null
  visibility: Visibility
  poll?: NewPoll | undefined
  /** The author's uploads to attach, in this order. */
  mediaIds?: readonly string[] | undefined
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
  /** Whether the viewer likes / reposted it; false for anonymous viewers. */
  likedByMe: boolean
  repostedByMe: boolean
  /** With its counts and the viewer's choices (null for anonymous viewers and non-voters). */
  poll: PollShape | null
  /** Its pictures, in order. */
  media: MediaView[]
  createdAt: Date
  updatedAt: Date
  author: { id: string; username: string; displayName: string; avatarUrl: string | null }
  /** In a list of the posts an account liked: when it liked this one (the list's order). */
  likedAt?: Date
  /** In a full-text search: how well the post matches (the order by relevance). */
  rank?: number
}

/**
 * The order of a list and where its page starts: just after this position. `recent` is newest
 * first (with `likedById`, newest like first, and `createdAt` is the time of the like); `popular`
 * is most likes first, `relevance` best full-text match first (only with `search`), both with ties
 * newest post first. Every order ends on the post id, so a position is exact.
 */
export type PostOrder =
  | { by: 'recent'; after?: { createdAt: Date; id: string } }
  | { by: 'popular'; after?: { likeCount: number; createdAt: Date; id: string } }
  | { by: 'relevance'; after?: { rank: number; createdAt: Date; id: string } }

interface PostFilter {
  id?: string
  authorId?: string
  tag?: string
  /** Only posts this account likes. */
  likedById?: string
  /** Only posts whose title or content match this web-search query (words, "phrases", -word). */
  search?: string
  order?: PostOrder
}

/** Moderators and admins may remove any post. */
export function canModerate(user: Pick<AuthUser, 'role'>): boolean {
  return user.role === 'moderator' || user.role === 'admin'
}

/** What the text of a post listing's query depends on (see `visiblePostsQuery`). */
interface PostListShape {
  viewer: boolean
  id: boolean
  author: boolean
  tag: boolean
  likedBy: boolean
  search: boolean
  order: PostOrder['by']
  after: boolean
}

/** A post listing's values; those its shape leaves out are never read or sent. */
interface PostListValues {
  now: Date
  limit: number
  viewerId: string
  id: string
  authorId: string
  tags: string[]
  likedById: string
  search: string
  afterCreatedAt: Date
  afterLikeCount: number
  afterRank: number
  afterId: string
}

/**
 * The posts the viewer may see at `now`, newest first: not deleted, by an author in good standing,
 * and public, the viewer's own, or followers-only by someone the viewer follows. Private posts are
 * for their author alone. One query, whatever the filter and order; the viewer's like and repost
 * flags come with it. With `likedBy`, the posts that account likes; with `search`, the posts
 * matching it.
 */
const visiblePostsQuery = preparedQuery((em, values: PostListValues, shape: PostListShape) => {
  // English stemming, as the generated `posts.search` column (see decisions.md).
  const matchQuery = () => sql`websearch_to_tsquery('english', ${values.search})`
  const rank = () => sql<number>`ts_rank(p.search, ${matchQuery()})::float8`
  let query = db(em)
    .selectFrom('posts as p')
    .innerJoin('authors as a', 'a.id', 'p.author_id')
    .leftJoin('polls as pl', 'pl.post_id', 'p.id')
    .$if(shape.likedBy, (qb) =>
      qb
        .innerJoin('likes as l', (join) =>
          join.onRef('l.post_id', '=', 'p.id').on('l.user_id', '=', values.likedById),
        )
        .select('l.created_at as liked_at'),
    )
    .$if(shape.search, (qb) =>
      qb.where(sql<boolean>`p.search @@ ${matchQuery()}`).select(rank().as('rank')),
    )
    // The counts are the sums of the post's counter shards (see `post-counters.ts`).
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('post_counters as c')
          .select([
            sql<number>`greatest(coalesce(sum(c.likes), 0), 0)::int`.as('like_count'),
            sql<number>`greatest(coalesce(sum(c.comments), 0), 0)::int`.as('comment_count'),
            sql<number>`greatest(coalesce(sum(c.reposts), 0), 0)::int`.as('repost_count'),
            sql<number[]>`array[${sql.join(
              POLL_VOTE_COLUMNS.map((column) => sql`coalesce(sum(${sql.ref(`c.${column}`)}), 0)`),
            )}]::int[]`.as('poll_votes'),
            sql<number>`coalesce(sum(c.poll_voters), 0)::int`.as('poll_voters'),
          ])
          .whereRef('c.post_id', '=', 'p.id')
          .as('counts'),
      (join) => join.onTrue(),
    )
    // The viewer's like and repost of each post, read in the same query (false when anonymous).
    .select((eb) => [
      (shape.viewer
        ? eb.exists(
            eb
              .selectFrom('likes as ml')
              .select(eb.lit(1).as('one'))
              .whereRef('ml.post_id', '=', 'p.id')
              .where('ml.user_id', '=', values.viewerId),
          )
        : eb.lit(false)
      ).as('liked_by_me'),
      (shape.viewer
        ? eb.exists(
            eb
              .selectFrom('reposts as mr')
              .select(eb.lit(1).as('one'))
              .whereRef('mr.post_id', '=', 'p.id')
              .where('mr.user_id', '=', values.viewerId),
          )
        : eb.lit(false)
      ).as('reposted_by_me'),
      // The viewer's choices in the post's poll, null when they have not voted.
      (shape.viewer
        ? eb
            .selectFrom('poll_votes as mv')
            .select('mv.choices')
            .whereRef('mv.post_id', '=', 'p.id')
            .where('mv.user_id', '=', values.viewerId)
        : sql<number[] | null>`null`
      ).as('my_choices'),
    ])
    .select([
      'counts.like_count',
      'counts.comment_count',
      'counts.repost_count',
      'counts.poll_votes',
      'counts.poll_voters',
      'pl.options as poll_options',
      'pl.multiple as poll_multiple',
      'pl.expires_at as poll_expires_at',
      'pl.closed_at as poll_closed_at',
      'p.id',
      'p.author_id',
      'p.title',
      'p.content',
      'p.tags',
      'p.mentions',
      'p.visibility',
      'p.created_at',
      'p.updated_at',
      'a.username',
      'a.display_name',
      'a.avatar_url',
    ])
    .where('p.deleted_at', 'is', null)
    .where((eb) =>
      inGoodStandingAt(
        eb,
        { status: eb.ref('a.status'), bannedUntil: eb.ref('a.banned_until') },
        values.now,
      ),
    )
    .where((eb) => {
      if (!shape.viewer) return eb('p.visibility', '=', 'public')
      return eb.or([
        eb('p.visibility', '=', 'public'),
        eb('p.author_id', '=', values.viewerId),
        eb.and([
          eb('p.visibility', '=', 'followers'),
          eb.exists(
            eb
              .selectFrom('follows as f')
              .select(eb.lit(1).as('one'))
              .where('f.follower_id', '=', values.viewerId)
              .whereRef('f.followee_id', '=', 'p.author_id')
              .where('f.following', '=', true),
          ),
        ]),
      ])
    })
  if (shape.id) query = query.where('p.id', '=', values.id)
  if (shape.author) query = query.where('p.author_id', '=', values.authorId)
  if (shape.tag) query = query.where((eb) => eb('p.tags', '@>', eb.val(values.tags)))
  // The sort key, every part descending, ending on the id; a page continues strictly after it.
  let key: RawBuilder<unknown>[]
  let position: () => RawBuilder<unknown>[]
  switch (shape.order) {
    case 'recent':
      // The likes of an account are listed by the time of the like, and their cursor is that time.
      key = [sql.ref(shape.likedBy ? 'l.created_at' : 'p.created_at')]
      position = () => [sql`${values.afterCreatedAt}::timestamptz`]
      break
    case 'popular':
      key = [sql.ref('counts.like_count'), sql.ref('p.created_at')]
      position = () => [
        sql`${values.afterLikeCount}::int`,
        sql`${values.afterCreatedAt}::timestamptz`,
      ]
      break
    case 'relevance':
      if (!shape.search) throw new Error('Ordering by relevance needs a search.')
      key = [rank(), sql.ref('p.created_at')]
      position = () => [
        sql`${values.afterRank}::float8`,
        sql`${values.afterCreatedAt}::timestamptz`,
      ]
      break
  }
  key.push(sql.ref('p.id'))
  if (shape.after) {
    const after = [...position(), sql`${values.afterId}::uuid`]
    query = query.where(sql<boolean>`(${sql.join(key)}) < (${sql.join(after)})`)
  }
  for (const column of key) query = query.orderBy(column, 'desc')
  return query.limit(values.limit)
})

/** Up to `limit` posts `viewer` may see at `now` (see `visiblePostsQuery`), with their pictures. */
async function queryVisiblePosts(
  em: EntityManager,
  now: Date,
  viewer: Viewer,
  filter: PostFilter,
  limit: number,
): Promise<PostView[]> {
  const { order = { by: 'recent' } } = filter
  const after = order.after
  const rows = await visiblePostsQuery(
    em,
    {
      now,
      limit,
      // Filled whether or not the shape uses them, so that one type serves every shape.
      viewerId: viewer?.id ?? '',
      id: filter.id ?? '',
      authorId: filter.authorId ?? '',
      tags: filter.tag === undefined ? [] : [filter.tag],
      likedById: filter.likedById ?? '',
      search: filter.search ?? '',
      afterCreatedAt: after?.createdAt ?? now,
      afterLikeCount: after && 'likeCount' in after ? after.likeCount : 0,
      afterRank: after && 'rank' in after ? after.rank : 0,
      afterId: after?.id ?? '',
    },
    {
      viewer: viewer !== undefined,
      id: filter.id !== undefined,
      author: filter.authorId !== undefined,
      tag: filter.tag !== undefined,
      likedBy: filter.likedById !== undefined,
      search: filter.search !== undefined,
      order: order.by,
      after: after !== undefined,
    },
  )
  const media = await mediaOfPosts(
    em,
    rows.map((row) => row.id),
  )
  return rows.map((row) => {
    const username = row.username ?? ''
    return {
      id: row.id,
      authorId: row.author_id,
      title: row.title,
      content: row.content,
      tags: row.tags,
      mentions: row.mentions,
      visibility: row.visibility,
      likeCount: row.like_count ?? 0,
      commentCount: row.comment_count ?? 0,
      repostCount: row.repost_count ?? 0,
      likedByMe: Boolean(row.liked_by_me),
      repostedByMe: Boolean(row.reposted_by_me),
      poll:
        row.poll_options && row.poll_expires_at
          ? pollShapeOf(
              {
                options: row.poll_options,
                multiple: Boolean(row.poll_multiple),
                expiresAt: new Date(row.poll_expires_at),
                closedAt: row.poll_closed_at ? new Date(row.poll_closed_at) : null,
                votes: row.poll_votes ?? [],
                voters: row.poll_voters ?? 0,
                myChoices: row.my_choices ?? null,
              },
              now,
            )
          : null,
      media: media.get(row.id) ?? [],
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
      author: {
        id: row.author_id,
        username,
        displayName: row.display_name ?? username,
        avatarUrl: row.avatar_url,
      },
      ...(row.liked_at ? { likedAt: new Date(row.liked_at) } : {}),
      ...(row.rank !== undefined ? { rank: Number(row.rank) } : {}),
    }
  })
}

/**
 * Up to `limit` posts `viewer` may see (see `queryVisiblePosts`) in `order`: by one author, with a
 * tag, liked by one account, matching a search, or all.
 */
export async function findVisiblePosts(
  em: EntityManager,
  { clock }: Deps,
  input: {
    viewer: Viewer
    authorId?: string
    tag?: string
    likedById?: string
    search?: string
    order: PostOrder
    limit: number
  },
): Promise<PostView[]> {
  const { viewer, limit, ...filter } = input
  return queryVisiblePosts(em, clock(), viewer, filter, limit)
}

/** One post if `viewer` may see it; a malformed id is simply not found. */
export async function findVisiblePost(
  em: EntityManager,
  { clock }: Deps,
  { viewer, id }: { viewer: Viewer; id: string },
): Promise<PostView | null> {
  if (!UUID_PATTERN.test(id)) return null
  const [post] = await queryVisiblePosts(em, clock(), viewer, { id }, 1)
  return post ?? null
}

/**
 * Creates the post and queues its PostCreated in the caller's transaction. The author's row comes
 * from UserRegistered; when the user posts before that event has arrived, the token's username
 * fills in.
 */
export async function createPost(
  em: EntityManager,
  {
    clock,
    media: mediaConfig,
  }: Deps & { media: Pick<MediaConfig, 'baseUrl' | 'unattachedMaxAgeMs'> },
  input: { user: AuthUser; post: NewPost; correlationId: string | null },
): Promise<PostView> {
  const { user, post: content, correlationId } = input
  const now = clock()
  const author = await ensureWritingAuthor(em, now, { user })
  const post = em.create(Post, {
    id: uuidv7(now.getTime()),
    authorId: user.id,
    title: content.title,
    content: content.content,
    tags: parseTags(content.content),
    mentions: parseMentions(content.content),
    visibility: content.visibility,
    countsVersion: 0,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    deletedBy: null,
    deletionReason: null,
  })
  const poll = content.poll ? createPoll(em, { postId: post.id, poll: content.poll, now }) : null
  const media = await attachMedia(em, {
    ownerId: user.id,
    postId: post.id,
    ids: content.mediaIds ?? [],
    now,
    maxAgeMs: mediaConfig.unattachedMaxAgeMs,
  })
  await movePostCount(em, post.authorId, 1)
  await recordTagUses(em, post, now, { isNew: true })
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
      poll: poll && { ...poll, expiresAt: poll.expiresAt.toISOString() },
      createdAt: now.toISOString(),
      media: media.map((item) => toMedia(item, mediaConfig.baseUrl)),
    },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
  return viewOf(post, author, poll, media, now)
}

function viewOf(
  post: PostRow,
  author: AuthorRow,
  poll: PollDefinition | null,
  media: MediaView[],
  now: Date,
): PostView {
  const username = author.username ?? ''
  return {
    id: post.id,
    authorId: post.authorId,
    title: post.title ?? null,
    content: post.content,
    tags: post.tags,
    mentions: post.mentions,
    visibility: post.visibility,
    // A post just written has nothing counted yet.
    likeCount: 0,
    commentCount: 0,
    repostCount: 0,
    likedByMe: false,
    repostedByMe: false,
    poll:
      poll && pollShapeOf({ ...poll, closedAt: null, votes: [], voters: 0, myChoices: null }, now),
    media,
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

/**
 * Soft-deletes a locked, live post and queues PostDeleted in the caller's transaction; its
 * pictures are marked for removal (`removeMedia`, once the transaction has committed).
 */
async function markDeleted(
  em: EntityManager,
  post: PostRow,
  deletion: { by: string; at: Date; reason: string | null },
  correlationId: string | null,
): Promise<void> {
  await movePostCount(em, post.authorId, -1)
  post.deletedAt = deletion.at
  post.deletedBy = deletion.by
  post.deletionReason = deletion.reason
  await discardMedia(em, { postId: post.id }, deletion.at)
  await recordTagUses(em, post, deletion.at)
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
  em: EntityManager,
  { clock }: Deps,
  input: { user: AuthUser; id: string; correlationId: string | null },
): Promise<void> {
  const { user, id, correlationId } = input
  if (!UUID_PATTERN.test(id)) throw new NotFoundError('No such post.')
  const now = clock()
  const post = await em.findOne(
    Post,
    canModerate(user) ? { id, deletedAt: null } : { id, authorId: user.id, deletedAt: null },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  if (!post) {
    const [visible] = await queryVisiblePosts(em, now, user, { id }, 1)
    if (visible) {
      throw new ForbiddenError('Only the author or a moderator can delete this post.', 'not-owner')
    }
    throw new NotFoundError('No such post.')
  }
  await markDeleted(em, post, { by: user.id, at: now, reason: null }, correlationId)
}

/** What an edit may change; `title: null` removes the title. */
export interface PostChanges {
  content?: string | undefined
  title?: string | null | undefined
  visibility?: Visibility | undefined
}

/**
 * Changes a post for its author and queues PostUpdated in the caller's transaction: tags and
 * mentions are read again from the content, `updatedAt` moves. Someone else gets 403 for a post
 * they can see and 404 for one they cannot; a banned author is refused as when posting.
 */
export async function editPost(
  em: EntityManager,
  { clock }: Deps,
  input: { user: AuthUser; id: string; changes: PostChanges; correlationId: string | null },
): Promise<PostView> {
  const { user, id, changes, correlationId } = input
  if (!UUID_PATTERN.test(id)) throw new NotFoundError('No such post.')
  const now = clock()
  const post = await em.findOne(
    Post,
    { id, authorId: user.id, deletedAt: null },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  if (!post) {
    const [visible] = await queryVisiblePosts(em, now, user, { id }, 1)
    if (visible) throw new ForbiddenError('Only the author can edit this post.', 'not-owner')
    throw new NotFoundError('No such post.')
  }
  await ensureWritingAuthor(em, now, { user })
  if (changes.content !== undefined) {
    post.content = changes.content
    post.tags = parseTags(changes.content)
    post.mentions = parseMentions(changes.content)
  }
  if (changes.title !== undefined) post.title = changes.title
  if (changes.visibility !== undefined) post.visibility = changes.visibility
  post.updatedAt = now
  await recordTagUses(em, post, now)
  enqueue(
    em,
    PostUpdated,
    {
      postId: post.id,
      authorId: post.authorId,
      content: post.content,
      title: post.title ?? null,
      tags: post.tags,
      mentions: post.mentions,
      visibility: post.visibility,
      updatedAt: now.toISOString(),
    },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
  // Read back as every other read renders it (counts and all), seeing the change just made.
  await em.flush()
  const [edited] = await queryVisiblePosts(em, now, user, { id }, 1)
  if (!edited) throw new NotFoundError('No such post.')
  return edited
}

/**
 * A moderator's takedown (from admin): removes the post like a delete, naming who and why. A post
 * already deleted stays as it is; an unknown one is reported so the caller can log it.
 */
export async function takeDownPost(
  em: EntityManager,
  { clock }: Deps,
  input: { postId: string; requestedBy: string; reason: string; correlationId: string | null },
): Promise<'taken-down' | 'already-deleted' | 'not-found'> {
  const post = await em.findOne(
    Post,
    { id: input.postId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  if (!post) return 'not-found'
  if (post.deletedAt) return 'already-deleted'
  await markDeleted(
    em,
    post,
    { by: input.requestedBy, at: clock(), reason: input.reason.slice(0, 500) },
    input.correlationId,
  )
  return 'taken-down'
}
