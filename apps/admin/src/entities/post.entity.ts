import { visibilitySchema } from '@chatty/contracts'
import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * admin's view of a post, from posts' events: enough to answer 404 for a takedown of an unknown or
 * deleted post and to show a reported post as it reads now. A PostDeleted that overtakes its
 * PostCreated leaves a tombstone (no createdAt yet) that the create fills in; a PostUpdated that
 * overtakes it brings the content first.
 */
export const Post = defineEntity({
  name: 'Post',
  tableName: 'posts',
  properties: {
    id: p.uuid().primary(),
    authorId: p.uuid(),
    createdAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
    /** The text, title and visibility of the newest version applied; null before any. */
    title: p.text().nullable(),
    content: p.text().nullable(),
    visibility: p.enum(visibilitySchema.options).nullable(),
    /** When the applied version was written (its createdAt or updatedAt), so an older one arriving late is ignored. */
    contentAt: p.datetime().nullable(),
  },
})

export type PostRow = InferEntity<typeof Post>
