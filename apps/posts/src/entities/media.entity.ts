import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * An uploaded picture (see `domain/media.ts`): its owner, the post it belongs to once attached
 * (null until then), and the names of its two stored files. A row whose post was deleted, or
 * whose owner's account was, is marked `discardedAt`; the media job removes its files and then
 * the row, as it does for uploads never attached.
 */
export const Media = defineEntity({
  name: 'Media',
  tableName: 'media',
  properties: {
    id: p.uuid().primary(),
    ownerId: p.uuid(),
    postId: p.uuid().nullable(),
    /** Its place among the post's pictures, 0 first. */
    position: p.smallint().nullable(),
    /** The stored format: jpeg, png, webp or gif. */
    format: p.string().length(10),
    width: p.integer(),
    height: p.integer(),
    size: p.integer(),
    description: p.text().nullable(),
    fileKey: p.string().length(100),
    previewKey: p.string().length(100),
    createdAt: p.datetime(),
    discardedAt: p.datetime().nullable(),
  },
  indexes: [
    { name: 'media_post_idx', properties: ['postId', 'position'] },
    { name: 'media_owner_idx', properties: ['ownerId'] },
    // The uploads the job looks at: never attached (by age) or discarded.
    {
      name: 'media_unattached_idx',
      properties: ['createdAt'],
      expression:
        'create index "media_unattached_idx" on "media" ("created_at") where "post_id" is null or "discarded_at" is not null',
    },
  ],
})

export type MediaRow = InferEntity<typeof Media>
