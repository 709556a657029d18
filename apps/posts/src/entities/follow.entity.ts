import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * posts' projection of the follow graph, for followers-only visibility. An unfollow keeps its row
 * (following = false) as a tombstone, so a Followed that arrives after it is recognised as older.
 */
export const Follow = defineEntity({
  name: 'Follow',
  tableName: 'follows',
  properties: {
    followerId: p.uuid().primary(),
    followeeId: p.uuid().primary(),
    following: p.boolean(),
    changedAt: p.datetime(),
  },
})

export type FollowRow = InferEntity<typeof Follow>
