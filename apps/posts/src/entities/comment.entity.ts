import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * A comment on a post, or a reply to another comment of the same post (`parentId`). Soft delete:
 * a deleted comment leaves the list and the count, and its replies keep pointing at it.
 */
export const Comment = defineEntity({
  name: 'Comment',
  tableName: 'comments',
  properties: {
    id: p.uuid().primary(),
    postId: p.uuid(),
    parentId: p.uuid().nullable(),
    authorId: p.uuid(),
    content: p.string().length(1000),
    mentions: p.array(),
    /**
     * Whether the comment is in its post's commentCount: live, and by an author in good standing
     * when it was last looked at. Counts move exactly when this flips (see `comment-standing.ts`).
     */
    counted: p.boolean(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    deletedAt: p.datetime().nullable(),
    deletedBy: p.uuid().nullable(),
    deletionReason: p.string().length(500).nullable(),
  },
  indexes: [
    {
      name: 'comments_post_thread_idx',
      properties: ['postId', 'createdAt', 'id'],
      where: 'deleted_at is null',
    },
    {
      name: 'comments_author_counted_idx',
      properties: ['authorId', 'counted', 'id'],
      where: 'deleted_at is null',
    },
  ],
})

export type CommentRow = InferEntity<typeof Comment>
