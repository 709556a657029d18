import { Followed, Unfollowed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

/** Applies a follow or an unfollow unless a later change to the same pair is already recorded. */
async function recordFollow(
  em: EntityManager,
  event: { followerId: string; followeeId: string; at: string },
  following: boolean,
): Promise<void> {
  await db(em)
    .insertInto('follows')
    .values({
      follower_id: event.followerId,
      followee_id: event.followeeId,
      following,
      changed_at: new Date(event.at),
    })
    .onConflict((conflict) =>
      conflict
        .columns(['follower_id', 'followee_id'])
        .doUpdateSet((eb) => ({
          following: eb.ref('excluded.following'),
          changed_at: eb.ref('excluded.changed_at'),
        }))
        .where((eb) => eb('follows.changed_at', '<', eb.ref('excluded.changed_at'))),
    )
    .execute()
}

export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, (event, { em }) => recordFollow(em, event, true))
  consumer.on(Unfollowed, (event, { em }) => recordFollow(em, event, false))
}
