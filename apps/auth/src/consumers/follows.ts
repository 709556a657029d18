import { Followed, Unfollowed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'
import { LockMode, raw } from '@mikro-orm/core'

import { FollowState } from '../entities/follow-state.entity.js'
import { User } from '../entities/user.entity.js'

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
  const state = await em.findOne(FollowState, pair, { lockMode: LockMode.PESSIMISTIC_WRITE })
  if (state && state.changedAt >= at) return
  const wasFollowing = state?.following ?? false
  if (state) Object.assign(state, { following, changedAt: at })
  else em.create(FollowState, { ...pair, following, changedAt: at })
  if (wasFollowing === following) return
  const by = following ? 1 : -1
  await em.nativeUpdate(
    User,
    { id: event.followeeId },
    { followersCount: raw(`greatest(followers_count + ${by}, 0)`) },
  )
  await em.nativeUpdate(
    User,
    { id: event.followerId },
    { followingCount: raw(`greatest(following_count + ${by}, 0)`) },
  )
}

export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, (event, { em }) => applyFollow(em, event, true))
  consumer.on(Unfollowed, (event, { em }) => applyFollow(em, event, false))
}
