import { Followed, Unfollowed } from '@chatty/contracts'
import { preparedQuery } from '@chatty/db'

import type { NotificationsContext } from '../context.js'
import { db } from '../db.js'
import { notify, withdraw } from '../domain/notifications.js'
import { changesPublishedAfterCommit } from './live.js'

/** Records a pair's latest change, unless a later one is recorded already. */
const recordFollowQuery = preparedQuery(
  (em, values: { followerId: string; followeeId: string; following: boolean; at: Date }) =>
    db(em)
      .insertInto('follows')
      .values({
        follower_id: values.followerId,
        followee_id: values.followeeId,
        following: values.following,
        changed_at: values.at,
      })
      .onConflict((conflict) =>
        conflict
          .columns(['follower_id', 'followee_id'])
          .doUpdateSet({ following: values.following, changed_at: values.at })
          .where('follows.changed_at', '<', values.at),
      ),
)

/**
 * The follow graph (who may see a followers-only post) and the `follow` notification: Followed
 * notifies the followee, Unfollowed withdraws it. Each pair keeps its latest change, so the two
 * events may arrive in either order.
 */
export function registerFollowConsumers(ctx: NotificationsContext): void {
  for (const [definition, following] of [
    [Followed, true],
    [Unfollowed, false],
  ] as const) {
    ctx.messaging.consumer.on(definition, async (event, message) => {
      const { em } = message
      const at = new Date(event.at)
      await recordFollowQuery(em, {
        followerId: event.followerId,
        followeeId: event.followeeId,
        following,
        at,
      })
      const changes = changesPublishedAfterCommit(ctx, message)
      const subject = {
        recipientId: event.followeeId,
        type: 'follow',
        actorId: event.followerId,
      } as const
      if (following) await notify(em, changes, subject, at, ctx.clock())
      else await withdraw(em, changes, subject, at)
    })
  }
}
