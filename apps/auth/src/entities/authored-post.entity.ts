import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * Every post auth has heard of, by author, so its author's `posts` count moves exactly once each
 * way however PostCreated and PostDeleted arrive: a post counts while `createdAt` is set and
 * `deletedAt` is not. A PostDeleted that overtakes its PostCreated leaves a tombstone (only
 * `deletedAt`), and the late PostCreated finds it and counts nothing.
 */
export const AuthoredPost = defineEntity({
  name: 'AuthoredPost',
  tableName: 'authored_posts',
  properties: {
    postId: p.uuid().primary(),
    authorId: p.uuid(),
    /** When the post was created, once its PostCreated has been applied. */
    createdAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
  },
})

export type AuthoredPostRow = InferEntity<typeof AuthoredPost>
