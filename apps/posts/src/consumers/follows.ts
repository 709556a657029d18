import { Followed, Unfollowed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

/** Applies a follow or an unfollow unless a later change to the same pair is already recorded. */
async function recordFollow(
  em: EntityManager,
  event: { followerId: string; followeeId: string; at: string },
  following: boolean,
): Promise<void> {
  await em.execute(
    `insert into follows (follower_id, followee_id, following, changed_at) values (?, ?, ?, ?)
     on conflict (follower_id, followee_id) do update
        set following = excluded.following, changed_at = excluded.changed_at
      where follows.changed_at < excluded.changed_at`,
    [event.followerId, event.followeeId, following, new Date(event.at)],
    'run',
  )
}

export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, (event, { em }) => recordFollow(em, event, true))
  consumer.on(Unfollowed, (event, { em }) => recordFollow(em, event, false))
}
