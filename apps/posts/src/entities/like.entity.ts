import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * One account's like of one post. No foreign key to `posts`: a like takes no lock on the post's
 * row, so a like storm queues on nothing but the post's counter shards. `counted` says whether the
 * like is in the post's likeCount: it is not while its account is banned or deleted (see
 * `domain/standing-walk.ts`).
 */
export const Like = defineEntity({
  name: 'Like',
  tableName: 'likes',
  properties: {
    postId: p.uuid().primary(),
    userId: p.uuid().primary(),
    createdAt: p.datetime(),
    counted: p.boolean().default(true),
  },
  indexes: [
    // The likers of a post, newest first (GET /api/posts/{id}/likes).
    { name: 'likes_post_recent_idx', properties: ['postId', 'createdAt', 'userId'] },
    // The likes of an account, newest first (?likedBy=).
    { name: 'likes_user_recent_idx', properties: ['userId', 'createdAt', 'postId'] },
    // The likes the standing walk still has to flip (`domain/standing-walk.ts`).
    { name: 'likes_user_counted_idx', properties: ['userId', 'counted', 'postId'] },
  ],
})

export type LikeRow = InferEntity<typeof Like>
