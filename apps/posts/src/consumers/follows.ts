import { Followed, Unfollowed } from '@chatty/contracts'
import { applyFollowChange, preparedQuery } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

/** One row when either account of a follow is deleted. */
const deletedAccountOfPairQuery = preparedQuery((em, { ids }: { ids: readonly string[] }) =>
  db(em)
    .selectFrom('authors')
    .select('id')
    .where((eb) => eb('id', '=', eb.fn.any(eb.val(ids))))
    .where('status', '=', 'deleted')
    .limit(1),
)

/**
 * The follow graph as followers-only visibility and the follow counts of shown accounts need it
 * (each pair's latest change, see `applyFollowChange`). A deleted account's follows are gone for
 * good (subscription sends an Unfollowed for each): a Followed about it that arrives after the
 * deletion is not recorded.
 */
export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, async (event, { em }) => {
    const deleted = await deletedAccountOfPairQuery(em, {
      ids: [event.followerId, event.followeeId],
    })
    if (deleted.length > 0) return
    await applyFollowChange(em, 'follows', { ...event, at: new Date(event.at), following: true })
  })
  consumer.on(Unfollowed, (event, { em }) =>
    applyFollowChange(em, 'follows', { ...event, at: new Date(event.at), following: false }),
  )
}
