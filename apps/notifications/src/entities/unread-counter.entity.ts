import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * A user's unread notifications, counted in shards (`addToCounterShard`): the count is the sum of
 * a user's rows. Every change of a notification's unread state moves it in the same transaction.
 */
export const UnreadCounter = defineEntity({
  name: 'UnreadCounter',
  tableName: 'unread_counters',
  properties: {
    userId: p.uuid().primary(),
    shard: p.smallint().primary(),
    unread: p.integer().default(0),
  },
})

export type UnreadCounterRow = InferEntity<typeof UnreadCounter>
