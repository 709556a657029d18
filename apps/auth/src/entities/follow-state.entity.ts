import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * The latest follow state auth has seen for a pair, so the counters move only when the state
 * really changes and an event that arrives after a newer one is ignored.
 */
export const FollowState = defineEntity({
  name: 'FollowState',
  tableName: 'follow_states',
  properties: {
    followerId: p.uuid().primary(),
    followeeId: p.uuid().primary(),
    following: p.boolean(),
    changedAt: p.datetime(),
  },
})

export type FollowStateRow = InferEntity<typeof FollowState>
