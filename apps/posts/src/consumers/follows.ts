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
 * The follow graph as followers-only visibility needs it. A deleted account's follows are gone for
 * good (subscription sends an Unfollowed for each): a Followed about it that arrives after the
 * deletion is not recorded.
 */
export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, async (event, { em }) => {
    if (await involvesDeletedAccount(em, event)) return
    await recordFollow(em, event, true)
  })
  consumer.on(Unfollowed, (event, { em }) => recordFollow(em, event, false))
}
