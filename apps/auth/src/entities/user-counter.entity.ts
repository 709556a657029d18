import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** Rows a user's follow counts are spread over; a count is the sum of at most this many. */
export const USER_COUNTER_SHARDS = 16

/**
 * One shard of a user's followers and following counts. A follow adds to a shard no other
 * transaction holds, so the follows of one popular account do not queue on one row lock; a shard
 * may go below zero (the follow counted on one, the unfollow on another), the sum never does.
 */
export const UserCounter = defineEntity({
  name: 'UserCounter',
  tableName: 'user_counters',
  properties: {
    userId: p.uuid().primary(),
    shard: p.smallint().primary(),
    followers: p.integer().default(0),
    following: p.integer().default(0),
  },
})

export type UserCounterRow = InferEntity<typeof UserCounter>
