import { uuidv7 } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { isInGoodStanding } from '@chatty/domain'
import type { Selectable } from 'kysely'

import type { FeedRemovalConfig } from '../config.js'
import { db, type SubscriptionDb } from '../db.js'
import type { FeedRemovalReason } from '../entities/feed-removal.entity.js'
import type { FeedEntry } from './feed-page.js'
import { followerIdsAfter } from './feed-queries.js'
import { feedsPerRemovalPipeline, type FeedStore } from './feed-store.js'
import { standingOf, type UserRecord } from './users.js'

/**
 * Removals from followers' feeds are bounded work (DESIGN §6). The consumer that decides one
 * (delete, takedown, ban, account deletion, a post made private) does it at once when the
 * author's followers fit in one batch; otherwise it records it in its own transaction and the
 * feed-removals job walks the followers after commit, one batch per short transaction, so no
 * transaction holds the author's row for all of them.
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
  const postIds = input.posts
    .filter((post) => mayBeInFollowerFeeds(author, post.at))
    .map((post) => post.id)
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

/**
 * A removal that no longer holds: the author is in good standing again (unbanned, or their ban
 * ran out), or a post made private is visible again. Whatever put the posts back did so under
 * the author's row lock, after the batches before it, so the rest of the walk must not run.
 */
async function isSuperseded(
  em: EntityManager,
  deps: FeedRemover,
  removal: FeedRemovalRecord,
): Promise<boolean> {
  if (removal.reason === 'post-deleted') return false
  // The lock every feed writer of this author takes (FOR UPDATE): an unban or a post shown
  // again waits for this batch, or this batch waits for it and sees it.
  const author = await db(em)
    .selectFrom('users')
    .select(['status', 'banned_until'])
    .where('id', '=', removal.author_id)
    .forShare()
    .executeTakeFirst()
  if (removal.reason === 'author-hidden') {
    return author !== undefined && isInGoodStanding(standingOf(author), deps.clock())
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

// Finished removals are kept this long, for whoever wants to see what was walked.
const KEEP_FINISHED_MS = 86_400_000

export type FeedRemovalStep = 'idle' | 'walked' | 'finished'

/**
 * One batch of the oldest pending removal no other replica is working on: up to
 * FEED_REMOVAL_BATCH_SIZE followers after the recorded progress (fewer when many posts leave, so
 * the batch is one Redis pipeline), then the progress. The caller's transaction is the batch: a
 * crash redoes at most this batch, and Redis removals are idempotent.
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
  if (followers.length === limit) return 'walked'
  // A reader who cached a body from PostgreSQL just before the decision committed may have
  // written it back after the consumer forgot it; forgotten again now.
  await deps.feeds.forgetPosts(removal.post_ids)
  await finish('done')
  return 'finished'
}
