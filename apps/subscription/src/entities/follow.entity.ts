import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const Follow = defineEntity({
  name: 'Follow',
  tableName: 'follows',
  properties: {
    followerId: p.uuid().primary(),
    followeeId: p.uuid().primary(),
    createdAt: p.datetime(),
  },
  indexes: [
    // Fan-out reads every follower of an author; the followers list pages by (created_at, id).
    { name: 'follows_followee_idx', properties: ['followeeId', 'createdAt', 'followerId'] },
    { name: 'follows_follower_created_idx', properties: ['followerId', 'createdAt', 'followeeId'] },
    // Removals walk an author's followers in follower id order, a batch at a time.
    { name: 'follows_followee_follower_idx', properties: ['followeeId', 'followerId'] },
  ],
})

export type FollowRow = InferEntity<typeof Follow>
