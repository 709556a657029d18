import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * Who follows whom, from Followed and Unfollowed: who may see a followers-only post, and so who
 * may be notified of a mention in it. An unfollow is kept (`following` false) with its time, so
 * a Followed that arrives after a later Unfollowed changes nothing.
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
