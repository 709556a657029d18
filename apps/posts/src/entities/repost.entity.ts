import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * One account's repost of one post; kept like a like (see `like.entity.ts`). A post made
 * non-public later keeps its reposts: feeds decide what to show of them.
 */
export const Repost = defineEntity({
  name: 'Repost',
  tableName: 'reposts',
  properties: {
    postId: p.uuid().primary(),
    userId: p.uuid().primary(),
    createdAt: p.datetime(),
    counted: p.boolean().default(true),
  },
  indexes: [
    // The reposts the standing walk still has to flip (`domain/standing-walk.ts`).
    { name: 'reposts_user_counted_idx', properties: ['userId', 'counted', 'postId'] },
  ],
})

export type RepostRow = InferEntity<typeof Repost>
