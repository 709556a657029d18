import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * An author whose standing changed (ban, unban, deletion) and whose comments may still be counted
 * as before: the comment-standing job brings them in line in batches and then removes the row.
 */
export const CommentStandingWalk = defineEntity({
  name: 'CommentStandingWalk',
  tableName: 'comment_standing_walks',
  properties: {
    authorId: p.uuid().primary(),
    requestedAt: p.datetime(),
  },
})

export type CommentStandingWalkRow = InferEntity<typeof CommentStandingWalk>
