import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const VISIBILITIES = ['public', 'followers', 'private'] as const

/**
 * The posts notifications refer to: their author and visibility (who may be mentioned), the
 * excerpt shown with a notification, and a tombstone once deleted, so an event about the post
 * that arrives after its deletion notifies nobody.
 */
export const Post = defineEntity({
  name: 'Post',
  tableName: 'posts',
  properties: {
    id: p.uuid().primary(),
    authorId: p.uuid(),
    visibility: p.enum(VISIBILITIES),
    excerpt: p.string().length(200),
    /** The time of the PostCreated or PostUpdated shown; older updates arriving late are ignored. */
    changedAt: p.datetime(),
    deletedAt: p.datetime().nullable(),
  },
})

export type PostRow = InferEntity<typeof Post>
