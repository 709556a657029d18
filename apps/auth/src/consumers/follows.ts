import { Followed, Unfollowed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'
import { raw } from '@mikro-orm/core'

import { User } from '../entities/user.entity.js'

/** Counters move by one per event; the inbox guarantees each event counts once. */
async function moveCounters(
  em: EntityManager,
  event: { followerId: string; followeeId: string },
  by: 1 | -1,
): Promise<void> {
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
  consumer.on(Followed, (event, { em }) => moveCounters(em, event, 1))
  consumer.on(Unfollowed, (event, { em }) => moveCounters(em, event, -1))
}
