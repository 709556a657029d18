import type { Media } from '@chatty/contracts'
import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const VISIBILITIES = ['public', 'followers', 'private'] as const

/**
 * The posts that may appear in feeds, from posts' events. A PostDeleted that arrives before its
 * PostCreated leaves a tombstone (deletedAt set), so the late create is ignored.
 */
export const Post = defineEntity({
  name: 'Post',
  tableName: 'posts',
  properties: {
    id: p.uuid().primary(),
    authorId: p.uuid(),
    title: p.text().nullable(),
    content: p.text(),
    tags: p.array().default([]),
    mentions: p.array().default([]),
    visibility: p.enum(VISIBILITIES),
    /** Its pictures as PostCreated rendered them (their URLs never change). */
    media: p.json<Media[]>().default('[]'),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    deletedAt: p.datetime().nullable(),
  },
  indexes: [{ name: 'posts_author_created_idx', properties: ['authorId', 'createdAt'] }],
})

export type PostRow = InferEntity<typeof Post>
