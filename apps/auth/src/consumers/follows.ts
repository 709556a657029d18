import { Followed, Unfollowed } from '@chatty/contracts'
import { type EntityManager, moveFollowCounts } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import { db } from '../db.js'
import { FollowState } from '../entities/follow-state.entity.js'

interface FollowEvent {
  followerId: string
  followeeId: string
  at: string
}

/**
 * Applies a follow or unfollow if it is newer than the state already seen for the pair, and
 * moves the counters only when the state flips: reordered or repeated events cannot skew them.
 */
async function applyFollow(em: EntityManager, event: FollowEvent, following: boolean) {
  const at = new Date(event.at)
  const pair = { followerId: event.followerId, followeeId: event.followeeId }
  // The first event of a pair records it; a concurrent one waits for that row instead of failing.
  const recorded = await db(em)
    .insertInto('follow_states')
    .values({
      follower_id: pair.followerId,
      followee_id: pair.followeeId,
      following,
      changed_at: at,
    })
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirstOrThrow()
  let wasFollowing = false
  if (recorded.numInsertedOrUpdatedRows === 0n) {
    const state = await em.findOneOrFail(FollowState, pair, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
    })
    if (state.changedAt >= at) return
    wasFollowing = state.following
    Object.assign(state, { following, changedAt: at })
  }
  if (wasFollowing === following) return
  await moveFollowCounts(em, event, following ? 1 : -1)
}

export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, (event, { em }) => applyFollow(em, event, true))
  consumer.on(Unfollowed, (event, { em }) => applyFollow(em, event, false))
}
