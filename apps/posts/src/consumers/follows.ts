import { Followed, Unfollowed } from '@chatty/contracts'
import { type EntityManager, moveFollowCounts } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

/**
 * Applies a follow or an unfollow unless a later change to the same pair is already recorded, and
 * moves the follow counts only when the pair's state flips: reordered or repeated events cannot
 * skew them (as auth does with its follow_states).
 */
async function recordFollow(
  em: EntityManager,
  event: { followerId: string; followeeId: string; at: string },
  following: boolean,
): Promise<void> {
  const at = new Date(event.at)
  const pair = { follower_id: event.followerId, followee_id: event.followeeId }
  // The first event of a pair records it; a concurrent one waits for that row instead of failing.
  const recorded = await db(em)
    .insertInto('follows')
    .values({ ...pair, following, changed_at: at })
    .onConflict((conflict) => conflict.columns(['follower_id', 'followee_id']).doNothing())
    .executeTakeFirstOrThrow()
  let wasFollowing = false
  if (recorded.numInsertedOrUpdatedRows === 0n) {
    const state = await db(em)
      .selectFrom('follows')
      .select(['following', 'changed_at'])
      .where('follower_id', '=', pair.follower_id)
      .where('followee_id', '=', pair.followee_id)
      .forUpdate()
      .executeTakeFirstOrThrow()
    if (state.changed_at >= at) return
    wasFollowing = state.following
    await db(em)
      .updateTable('follows')
      .set({ following, changed_at: at })
      .where('follower_id', '=', pair.follower_id)
      .where('followee_id', '=', pair.followee_id)
      .execute()
  }
  if (wasFollowing !== following) await moveFollowCounts(em, event, following ? 1 : -1)
}

/** Whether either account of a follow is deleted. */
async function involvesDeletedAccount(
  em: EntityManager,
  event: { followerId: string; followeeId: string },
): Promise<boolean> {
  const deleted = await db(em)
    .selectFrom('authors')
    .select('id')
    .where('id', 'in', [event.followerId, event.followeeId])
    .where('status', '=', 'deleted')
    .executeTakeFirst()
  return deleted !== undefined
}

/**
 * The follow graph as followers-only visibility and the follow counts of shown accounts need it. A
 * deleted account's follows are gone for good (subscription sends an Unfollowed for each): a
 * Followed about it that arrives after the deletion is not recorded.
 */
export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, async (event, { em }) => {
    if (await involvesDeletedAccount(em, event)) return
    await recordFollow(em, event, true)
  })
  consumer.on(Unfollowed, (event, { em }) => recordFollow(em, event, false))
}
