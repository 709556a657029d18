import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * Which posts exist, so a takedown of an unknown or deleted post answers 404. A PostDeleted that
 * overtakes its PostCreated leaves a tombstone (no createdAt yet) that the create fills in.
 */
export const Post = defineEntity({
  name: 'Post',
  tableName: 'posts',
  properties: {
    id: p.uuid().primary(),
    authorId: p.uuid(),
    createdAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
  },
})

export type PostRow = InferEntity<typeof Post>
