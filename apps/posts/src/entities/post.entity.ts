import { visibilitySchema } from '@chatty/contracts'
import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const VISIBILITIES = visibilitySchema.options

export const Post = defineEntity({
  name: 'Post',
  tableName: 'posts',
  properties: {
    id: p.uuid().primary(),
    authorId: p.uuid(),
    title: p.string().length(100).nullable(),
    content: p.string().length(1000),
    tags: p.array(),
    mentions: p.array(),
    visibility: p.enum(VISIBILITIES),
    /** How many times the post's counts were published (PostCountsChanged); see `post_counters`. */
    countsVersion: p.integer().default(0),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    /** Soft delete: the row stays so a late or repeated delete or takedown finds it. */
    deletedAt: p.datetime().nullable(),
    deletedBy: p.uuid().nullable(),
    deletionReason: p.string().length(500).nullable(),
    /**
     * What full-text search matches (`?q=`): title (weight A) and content (weight B), stemmed as
     * English; kept by PostgreSQL itself, never written or loaded by the application.
     */
    search: p
      .type('tsvector')
      .generated(
        "(setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', content), 'B')) stored",
      )
      .lazy()
      .nullable(),
  },
  indexes: [
    { name: 'posts_author_timeline_idx', properties: ['authorId', 'createdAt', 'id'] },
    { name: 'posts_recent_idx', properties: ['createdAt', 'id'], where: 'deleted_at is null' },
    { name: 'posts_tags_idx', properties: ['tags'], type: 'gin' },
    { name: 'posts_search_idx', properties: ['search'], type: 'gin' },
  ],
})

export type PostRow = InferEntity<typeof Post>
