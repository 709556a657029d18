import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * admin's view of a comment, from posts' events, so a reported comment shows as it reads now and
 * a takedown of an unknown or deleted one is a 404. Events may come in any order: a CommentDeleted
 * first leaves a tombstone without content, a CommentUpdated first brings the content before the
 * creation; `contentAt` keeps the newest version.
 */
export const Comment = defineEntity({
  name: 'Comment',
  tableName: 'comments',
  properties: {
    id: p.uuid().primary(),
    postId: p.uuid(),
    authorId: p.uuid(),
    /** null until a CommentCreated or CommentUpdated is applied. */
    content: p.text().nullable(),
    /** When the applied version was written (its createdAt or updatedAt). */
    contentAt: p.datetime().nullable(),
    createdAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
  },
})

export type CommentRow = InferEntity<typeof Comment>
