import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * One tag of one live public post, dated by the post (see `domain/trending-tags.ts`). Written in
 * the transaction that creates, edits or deletes the post; rows older than the trending window are
 * pruned by a job.
 */
export const TagUse = defineEntity({
  name: 'TagUse',
  tableName: 'tag_uses',
  properties: {
    postId: p.uuid().primary(),
    tag: p.string().length(50).primary(),
    authorId: p.uuid(),
    usedAt: p.datetime(),
  },
  indexes: [
    // The window's uses are read from the index alone.
    { name: 'tag_uses_window_idx', properties: ['usedAt', 'tag', 'authorId'] },
  ],
})

export type TagUseRow = InferEntity<typeof TagUse>
