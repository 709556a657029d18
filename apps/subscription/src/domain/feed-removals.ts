import { uuidv7 } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { isInGoodStanding } from '@chatty/domain'
import type { Selectable } from 'kysely'

import type { FeedRemovalConfig } from '../config.js'
import { db, type SubscriptionDb } from '../db.js'
import type { FeedRemovalReason } from '../entities/feed-removal.entity.js'
import { type FeedEntry, parseFeedMember, postMembersOf } from './feed-page.js'
import { followeeIdsAfter, followerIdsAfter } from './feed-queries.js'
import { feedsPerRemovalPipeline, type FeedStore } from './feed-store.js'
import { recordUnfollows } from './follows.js'
import { standingOf, type UserRecord } from './users.js'

/**
 * Removals from followers' feeds are bounded work (DESIGN §6). The consumer that decides one
 * (delete, takedown, ban, account deletion, a post made private) does it at once when the
 * author's followers fit in one batch; otherwise it records it in its own transaction and the
 * feed-removals job walks the followers after commit, one batch per short transaction, so no
 * transaction holds the author's row for all of them. An account deletion removes the account's
 * follows the same way, a batch at a time.
 */
export interface FeedRemover {
  feeds: FeedStore
  clock: () => Date
  config: { feedRemovals: Pick<FeedRemovalConfig, 'batchSize'> }
}

export type FeedRemovalRecord = Selectable<SubscriptionDb['feed_removals']>

/**
 * Whether a post of `author` made at `at` (ms) may be in a follower's feed. A celebrity's posts
 * are pushed to no follower once they are marked; only those up to `pushed_posts_until` may be.
 */
export function mayBeInFollowerFeeds(
  author: Pick<UserRecord, 'celebrity' | 'pushed_posts_until'>,
  at: number,
): boolean {
  if (!author.celebrity) return true
  return author.pushed_posts_until !== null && at <= author.pushed_posts_until.getTime()
}

/** Followers per batch when `postCount` posts leave: one Redis pipeline per batch. */
function batchLimit(deps: FeedRemover, postCount: number): number {
  return Math.min(deps.config.feedRemovals.batchSize, feedsPerRemovalPipeline(postCount))
}

/** Post ids of `posts` that a follower's feed may hold (see `mayBeInFollowerFeeds`). */
function pushedPostIds(author: UserRecord, posts: readonly FeedEntry[]): string[] {
  return posts.filter((post) => mayBeInFollowerFeeds(author, post.at)).map((post) => post.id)
}

/**
 * Takes `posts` of `author` out of their followers' feeds, in the caller's transaction under
 * the author's row lock: at once when the followers fit in one batch, else by recording a
 * removal the job walks after commit. Posts no follower's feed can hold (a celebrity's) are
 * left out, and when none is left no follower is visited.
 */
export async function removeFromFollowerFeeds(
  em: EntityManager,
  deps: FeedRemover,
  input: { author: UserRecord; reason: FeedRemovalReason; posts: readonly FeedEntry[] },
): Promise<void> {
  const { author, reason } = input
  const postIds = pushedPostIds(author, input.posts)
  if (postIds.length === 0) return
  const limit = batchLimit(deps, postIds.length)
  const followers = await followerIdsAfter(em, author.id, null, limit + 1)
  if (followers.length <= limit) {
    await deps.feeds.removeFromFeeds(followers, postIds)
    return
  }
  await db(em)
    .insertInto('feed_removals')
    .values({
      id: uuidv7(),
      author_id: author.id,
      reason,
      post_ids: postIds,
      created_at: deps.clock(),
    })
    .execute()
}

/** Where the walk over a deleted account's follows stands. */
interface AccountFollowsProgress {
  accountId: string
  /** The account's posts that its followers' feeds may hold. */
  postIds: readonly string[]
  afterFollowerId: string | null
  afterFolloweeId: string | null
  correlationId: string | null
}

interface AccountFollows {
  followers: string[]
  followees: string[]
}

/**
 * Up to `rows` of a deleted account's follows after the progress: its followers first, then the
 * accounts it follows.
 */
async function nextAccountFollows(
  em: EntityManager,
  progress: AccountFollowsProgress,
  rows: number,
): Promise<AccountFollows> {
  const { accountId } = progress
  const followers = await followerIdsAfter(em, accountId, progress.afterFollowerId, rows)
  const followees =
    followers.length < rows
      ? await followeeIdsAfter(em, accountId, progress.afterFolloweeId, rows - followers.length)
      : []
  return { followers, followees }
}

/**
 * Removes follows of a deleted account: its followers' feeds lose its posts (its own feed is
 * dropped already), and each follow goes as an unfollow does, with its Unfollowed event and both
 * counters.
 */
async function removeAccountFollows(
  em: EntityManager,
  deps: FeedRemover,
  progress: AccountFollowsProgress,
  follows: AccountFollows,
): Promise<void> {
  const { accountId } = progress
  await deps.feeds.removeFromFeeds(follows.followers, progress.postIds)
  await recordUnfollows(em, deps, {
    pairs: [
      ...follows.followers.map((followerId) => ({ followerId, followeeId: accountId })),
      ...follows.followees.map((followeeId) => ({ followerId: accountId, followeeId })),
    ],
    correlationId: progress.correlationId,
  })
}

/**
 * Account deletion: every follow of the account, both ways, is removed (an Unfollowed event and
 * both counters each, as for an unfollow), and `posts` leave its followers' feeds. At once, in the
 * caller's transaction, when the follows fit in one batch; otherwise a removal the job walks after
 * commit is recorded. A follow made while the walk is under way is removed by its Followed
 * consumer (`dropFollowOfDeletedAccount`).
 */
export async function removeFollowsOfDeletedAccount(
  em: EntityManager,
  deps: FeedRemover,
  input: { account: UserRecord; posts: readonly FeedEntry[]; correlationId: string | null },
): Promise<void> {
  const { account, correlationId } = input
  const progress: AccountFollowsProgress = {
    accountId: account.id,
    postIds: pushedPostIds(account, input.posts),
    afterFollowerId: null,
    afterFolloweeId: null,
    correlationId,
  }
  const limit = batchLimit(deps, progress.postIds.length)
  const follows = await nextAccountFollows(em, progress, limit + 1)
  if (follows.followers.length + follows.followees.length <= limit) {
    await removeAccountFollows(em, deps, progress, follows)
    return
  }
  await db(em)
    .insertInto('feed_removals')
    .values({
      id: uuidv7(),
      author_id: account.id,
      reason: 'account-deleted',
      post_ids: [...progress.postIds],
      correlation_id: correlationId,
      created_at: deps.clock(),
    })
    .execute()
}

/**
 * A removal that no longer holds: the author is in good standing again (unbanned, or their ban
 * ran out), a post made private is visible again, or an undone repost is made again. Whatever
 * put the entries back did so under the author's row lock, after the batches before it, so the
 * rest of the walk must not run.
 */
async function isSuperseded(
  em: EntityManager,
  deps: FeedRemover,
  removal: FeedRemovalRecord,
): Promise<boolean> {
  // Deleted posts and deleted accounts never come back.
  if (removal.reason === 'post-deleted' || removal.reason === 'account-deleted') return false
  // Conflicts with the lock an unban or a post shown again takes (FOR UPDATE): it waits for
  // this batch, or this batch waits for it and sees it.
  const author = await db(em)
    .selectFrom('users')
    .select(['status', 'banned_until'])
    .where('id', '=', removal.author_id)
    .forShare()
    .executeTakeFirst()
  if (removal.reason === 'author-hidden') {
    return author !== undefined && isInGoodStanding(standingOf(author), deps.clock())
  }
  if (removal.reason === 'repost-undone') {
    const repostedAgain = await db(em)
      .selectFrom('reposts')
      .select('post_id')
      .where('user_id', '=', removal.author_id)
      .where(
        'post_id',
        'in',
        removal.post_ids.map((member) => parseFeedMember(member).postId),
      )
      .where('reposted', '=', true)
      .limit(1)
      .executeTakeFirst()
    return repostedAgain !== undefined
  }
  const stillHidden = await db(em)
    .selectFrom('posts')
    .select('id')
    .where('id', 'in', removal.post_ids)
    .where((eb) => eb.or([eb('visibility', '=', 'private'), eb('deleted_at', 'is not', null)]))
    .limit(1)
    .executeTakeFirst()
  return stillHidden === undefined
}

/** One batch of followers' feeds; answers whether the walk is over. */
async function walkFollowerFeeds(
  em: EntityManager,
  deps: FeedRemover,
  removal: FeedRemovalRecord,
): Promise<boolean> {
  const limit = batchLimit(deps, removal.post_ids.length)
  const followers = await followerIdsAfter(em, removal.author_id, removal.after_follower_id, limit)
  await deps.feeds.removeFromFeeds(followers, removal.post_ids)
  if (followers.length > 0) {
    await db(em)
      .updateTable('feed_removals')
      .set((eb) => ({
        after_follower_id: followers.at(-1) ?? null,
        batches: eb('batches', '+', 1),
      }))
      .where('id', '=', removal.id)
      .execute()
  }
  return followers.length < limit
}

/** One batch of a deleted account's follows; answers whether the walk is over. */
async function walkAccountFollows(
  em: EntityManager,
  deps: FeedRemover,
  removal: FeedRemovalRecord,
): Promise<boolean> {
  const progress: AccountFollowsProgress = {
    accountId: removal.author_id,
    postIds: removal.post_ids,
    afterFollowerId: removal.after_follower_id,
    afterFolloweeId: removal.after_followee_id,
    correlationId: removal.correlation_id,
  }
  const limit = batchLimit(deps, progress.postIds.length)
  const follows = await nextAccountFollows(em, progress, limit)
  await removeAccountFollows(em, deps, progress, follows)
  const removed = follows.followers.length + follows.followees.length
  if (removed > 0) {
    await db(em)
      .updateTable('feed_removals')
      .set((eb) => ({
        after_follower_id: follows.followers.at(-1) ?? progress.afterFollowerId,
        after_followee_id: follows.followees.at(-1) ?? progress.afterFolloweeId,
        batches: eb('batches', '+', 1),
      }))
      .where('id', '=', removal.id)
      .execute()
  }
  return removed < limit
}

// Finished removals are kept this long, for whoever wants to see what was walked.
const KEEP_FINISHED_MS = 86_400_000

export type FeedRemovalStep = 'idle' | 'walked' | 'finished'

/**
 * One batch of the oldest pending removal no other replica is working on: up to
 * FEED_REMOVAL_BATCH_SIZE followers (for a deleted account, follows) after the recorded progress
 * (fewer when many posts leave, so the batch is one Redis pipeline), then the progress. The
 * caller's transaction is the batch: a crash redoes at most this batch, Redis removals are
 * idempotent, and a follow removed already is not found again.
 */
export async function walkFeedRemoval(
  em: EntityManager,
  deps: FeedRemover,
): Promise<FeedRemovalStep> {
  const removal = await db(em)
    .selectFrom('feed_removals')
    .selectAll()
    .where('state', '=', 'pending')
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst()
  if (!removal) return 'idle'
  const now = deps.clock()
  const finish = async (state: 'done' | 'superseded') => {
    await db(em)
      .updateTable('feed_removals')
      .set({ state, finished_at: now })
      .where('id', '=', removal.id)
      .execute()
    await db(em)
      .deleteFrom('feed_removals')
      .where('state', '<>', 'pending')
      .where('finished_at', '<', new Date(now.getTime() - KEEP_FINISHED_MS))
      .execute()
  }
  if (await isSuperseded(em, deps, removal)) {
    await finish('superseded')
    return 'finished'
  }
  const walk = removal.reason === 'account-deleted' ? walkAccountFollows : walkFollowerFeeds
  if (!(await walk(em, deps, removal))) return 'walked'
  // A reader who cached a body from PostgreSQL just before the decision committed may have
  // written it back after the consumer forgot it; forgotten again now.
  await deps.feeds.forgetPosts(postMembersOf(removal.post_ids))
  await finish('done')
  return 'finished'
}
