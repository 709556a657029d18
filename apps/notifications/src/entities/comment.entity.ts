import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * Comments that notified someone, kept for one reason: a CommentDeleted that overtakes its
 * CommentCreated leaves a tombstone here, and the late CommentCreated then notifies nobody.
 */
export const Comment = defineEntity({
  name: 'Comment',
  tableName: 'comments',
  properties: {
    id: p.uuid().primary(),
    postId: p.uuid(),
    deletedAt: p.datetime().nullable(),
  },
})

export type CommentRow = InferEntity<typeof Comment>
