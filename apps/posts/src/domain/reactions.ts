import {
  PostLiked,
  PostReposted,
  PostUnliked,
  PostUnreposted,
  type PublicUser,
} from '@chatty/contracts'
import { type EntityManager, inGoodStandingAt } from '@chatty/db'
import {
  ForbiddenError,
  isBannedAt,
  NotFoundError,
  RuleViolationError,
  UnauthorizedError,
} from '@chatty/domain'
import type { AuthUser } from '@chatty/http'
import { enqueue } from '@chatty/messaging'
import { sql } from 'kysely'

import type { PostsContext } from '../context.js'
import { db } from '../db.js'
import { SERVICE } from '../service.js'
import { ensureAuthor } from './authors.js'
import { movePostCounts, postCounts } from './post-counters.js'
import { findVisiblePost, type PostView } from './posts.js'

type Deps = Pick<PostsContext, 'clock'>

/** What an account can do to someone's post besides commenting. */
export type Reaction = 'like' | 'repost'

/** Where each reaction is kept, what it counts and what it announces. */
const REACTIONS = {
  like: { table: 'likes', counter: 'likes', done: PostLiked, undone: PostUnliked },
  repost: { table: 'reposts', counter: 'reposts', done: PostReposted, undone: PostUnreposted },
} as const

export interface ReactionInput {
  user: AuthUser
  postId: string
  correlationId: string | null
}

/** The post `user` reacts to, if they may see it; 404 otherwise. */
async function reactedPost(em: EntityManager, now: Date, input: ReactionInput): Promise<PostView> {
  const post = await findVisiblePost(
    em,
    { clock: () => now },
    { viewer: input.user, id: input.postId },
  )
  if (!post) throw new NotFoundError('No such post.')
  return post
}

/** A repost spreads a post to the reposter's followers: only someone else's public post. */
function assertRepostable(post: PostView, user: AuthUser): void {
  if (post.authorId === user.id) {
    throw new RuleViolationError('cannot-repost-own', 'You cannot repost your own post.')
  }
  if (post.visibility !== 'public') {
    throw new RuleViolationError('cannot-repost-non-public', 'Only public posts can be reposted.')
  }
}

/** The post's total of `reaction` as this transaction sees it. */
async function countOf(em: EntityManager, reaction: Reaction, postId: string): Promise<number> {
  const counts = await postCounts(em, postId)
  return reaction === 'like' ? counts.likeCount : counts.repostCount
}

/**
 * Holds the reacting account's row FOR SHARE, so a ban, unban or deletion (which locks it to
 * change it) either waits for this reaction or is seen by it, and refuses a banned or deleted
 * account. Answers whether its reaction counts: whether the row counts then always matches the
 * standing the walk in `standing-walk.ts` applies.
 */
export async function reactingAccount(
  em: EntityManager,
  now: Date,
  user: Pick<AuthUser, 'id'>,
): Promise<boolean> {
  const account = await ensureAuthor(em, { clock: () => now }, { id: user.id, lock: 'share' })
  if (account.status === 'deleted') throw new UnauthorizedError('This account no longer exists.')
  if (isBannedAt(account, now)) {
    throw new ForbiddenError('This account is banned.', 'account-banned')
  }
  // A ban that ran out but is not lifted yet: the reaction shows, and counts from the unban on.
  return account.status === 'active'
}

/**
 * Likes or reposts a post for `user`, in the caller's transaction, and answers the post's new
 * total. Idempotent: only the request that inserts the row moves the count (on a counter shard,
 * never the post's row, which is read without a lock) and announces it; a repeat finds the row
 * and changes nothing. The account is held as `reactingAccount` says.
 */
export async function react(
  em: EntityManager,
  { clock }: Deps,
  reaction: Reaction,
  input: ReactionInput,
): Promise<number> {
  const { user, correlationId } = input
  const now = clock()
  const post = await reactedPost(em, now, input)
  if (reaction === 'repost') assertRepostable(post, user)
  const counted = await reactingAccount(em, now, user)
  const { table, counter, done } = REACTIONS[reaction]
  const inserted = await db(em)
    .insertInto(table)
    .values({ post_id: post.id, user_id: user.id, created_at: now, counted })
    .onConflict((conflict) => conflict.columns(['post_id', 'user_id']).doNothing())
    .executeTakeFirstOrThrow()
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) {
    enqueue(
      em,
      done,
      { postId: post.id, postAuthorId: post.authorId, userId: user.id, at: now.toISOString() },
      { producer: SERVICE.name, correlationId, occurredAt: now },
    )
    if (counted) {
      // The outbox row first, so the counter shard is held for as short a time as possible.
      await em.flush()
      await movePostCounts(em, post.id, { [counter]: 1 })
    }
  }
  return countOf(em, reaction, post.id)
}

/**
 * Undoes `user`'s like or repost of a post, in the caller's transaction, and answers the post's
 * new total. Idempotent like `react`: only the request that deletes the row moves the count (if
 * the row counted) and announces it.
 */
export async function unreact(
  em: EntityManager,
  { clock }: Deps,
  reaction: Reaction,
  input: ReactionInput,
): Promise<number> {
  const { user, correlationId } = input
  const now = clock()
  const post = await reactedPost(em, now, input)
  const { table, counter, undone } = REACTIONS[reaction]
  const removed = await db(em)
    .deleteFrom(table)
    .where('post_id', '=', post.id)
    .where('user_id', '=', user.id)
    .returning('counted')
    .executeTakeFirst()
  if (removed) {
    enqueue(
      em,
      undone,
      { postId: post.id, postAuthorId: post.authorId, userId: user.id, at: now.toISOString() },
      { producer: SERVICE.name, correlationId, occurredAt: now },
    )
    if (removed.counted) {
      await em.flush()
      await movePostCounts(em, post.id, { [counter]: -1 })
    }
  }
  return countOf(em, reaction, post.id)
}

/** Where a page of likers starts: just after this like in newest-first order. */
export interface LikePosition {
  likedAt: Date
  userId: string
}

/** An account in a list of likers, with when it liked the post (the list's order). */
export interface Liker extends PublicUser {
  likedAt: Date
}

/**
 * Up to `limit` accounts that like a post `viewer` may see, newest like first, after `after`;
 * null when the post is not visible. Accounts that are banned or deleted are left out, as are
 * those whose registration posts has not heard of yet. One query, counts included: the follow and
 * post counts are the sums of each account's `user_counters` shards.
 */
export async function findLikers(
  em: EntityManager,
  { clock }: Deps,
  input: {
    viewer: Pick<AuthUser, 'id'> | undefined
    postId: string
    after?: LikePosition
    limit: number
  },
): Promise<Liker[] | null> {
  const now = clock()
  const post = await findVisiblePost(
    em,
    { clock: () => now },
    { viewer: input.viewer, id: input.postId },
  )
  if (!post) return null
  let query = db(em)
    .selectFrom('likes as l')
    .innerJoin('authors as a', 'a.id', 'l.user_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('user_counters as c')
          .select([
            sql<number>`greatest(coalesce(sum(c.followers), 0), 0)::int`.as('followers_count'),
            sql<number>`greatest(coalesce(sum(c.following), 0), 0)::int`.as('following_count'),
            sql<number>`greatest(coalesce(sum(c.posts), 0), 0)::int`.as('posts_count'),
          ])
          .whereRef('c.user_id', '=', 'a.id')
          .as('counts'),
      (join) => join.onTrue(),
    )
    .select([
      'l.created_at as liked_at',
      'a.id',
      'a.username',
      'a.display_name',
      'a.bio',
      'a.avatar_url',
      'a.registered_at',
      'counts.followers_count',
      'counts.following_count',
      'counts.posts_count',
    ])
    .where('l.post_id', '=', post.id)
    .where('a.username', 'is not', null)
    .where('a.registered_at', 'is not', null)
    .where((eb) =>
      inGoodStandingAt(
        eb,
        { status: eb.ref('a.status'), bannedUntil: eb.ref('a.banned_until') },
        now,
      ),
    )
  const after = input.after
  if (after) {
    query = query.where((eb) =>
      eb(eb.refTuple('l.created_at', 'l.user_id'), '<', eb.tuple(after.likedAt, after.userId)),
    )
  }
  const rows = await query
    .orderBy('l.created_at', 'desc')
    .orderBy('l.user_id', 'desc')
    .limit(input.limit)
    .execute()
  return rows.map((row) => {
    const username = row.username ?? ''
    return {
      id: row.id,
      username,
      displayName: row.display_name ?? username,
      bio: row.bio ?? '',
      avatarUrl: row.avatar_url,
      createdAt: new Date(row.registered_at ?? row.liked_at).toISOString(),
      followersCount: row.followers_count ?? 0,
      followingCount: row.following_count ?? 0,
      postsCount: row.posts_count ?? 0,
      likedAt: new Date(row.liked_at),
    }
  })
}
