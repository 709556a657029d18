import { Followed, Unfollowed } from '@chatty/contracts'
import { applyFollowChange } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

/** The follow counts shown on profiles, from each pair's latest change (see `applyFollowChange`). */
export function registerFollowConsumers(consumer: Consumer): void {
  for (const [definition, following] of [
    [Followed, true],
    [Unfollowed, false],
  ] as const) {
    consumer.on(definition, (event, { em }) =>
      applyFollowChange(em, 'follow_states', { ...event, at: new Date(event.at), following }),
    )
  }
}
