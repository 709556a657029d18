import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * The latest like state seen for a pair (PostLiked / PostUnliked), for `likedByMe` in feeds. An
 * event older than the stored state is ignored, so reordering and duplicates cannot flip it.
 */
export const Like = defineEntity({
  name: 'Like',
  tableName: 'likes',
  properties: {
    userId: p.uuid().primary(),
    postId: p.uuid().primary(),
    liked: p.boolean(),
    changedAt: p.datetime(),
  },
})

export type LikeRow = InferEntity<typeof Like>
