import { randomBytes } from 'node:crypto'

import { type Media as MediaDto, UUID_PATTERN, uuidv7 } from '@chatty/contracts'
import { type EntityManager, preparedQuery } from '@chatty/db'
import { ValidationError } from '@chatty/domain'
import { sql } from 'kysely'

import { db } from '../db.js'
import { Media } from '../entities/media.entity.js'
import type { ProcessedImage } from '../media/images.js'
import type { MediaStore } from '../media/storage.js'

/** A post carries at most this many pictures. */
export const MEDIA_PER_POST = 4

/** A stored picture as posts reads it; `toMedia` renders it with its URLs. */
export interface MediaView {
  id: string
  width: number
  height: number
  size: number
  description: string | null
  fileKey: string
  previewKey: string
}

const EXTENSIONS = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif' } as const

/** The API shape of a picture; its files are served by nginx under `mediaBaseUrl`. */
export function toMedia(view: MediaView, mediaBaseUrl: string): MediaDto {
  return {
    id: view.id,
    type: 'image',
    url: `${mediaBaseUrl}/${view.fileKey}`,
    previewUrl: `${mediaBaseUrl}/${view.previewKey}`,
    width: view.width,
    height: view.height,
    size: view.size,
    description: view.description,
  }
}

/**
 * Stores both files of a processed upload under one fresh random name (128 bits, so nobody can
 * guess another upload's URL) and records the row, not yet attached to a post. A file written
 * before a failure is removed again.
 */
export async function storeUpload(
  em: EntityManager,
  deps: { clock: () => Date; store: MediaStore },
  input: { ownerId: string; image: ProcessedImage; description: string | null },
): Promise<MediaView> {
  const { ownerId, image, description } = input
  const now = deps.clock()
  const name = randomBytes(16).toString('base64url')
  const extension = EXTENSIONS[image.format]
  const fileKey = `${name}.${extension}`
  const previewKey = `${name}_p.${extension}`
  const row = em.create(Media, {
    id: uuidv7(now.getTime()),
    ownerId,
    postId: null,
    position: null,
    format: image.format,
    width: image.width,
    height: image.height,
    size: image.file.length,
    description,
    fileKey,
    previewKey,
    createdAt: now,
    discardedAt: null,
  })
  try {
    await deps.store.put(fileKey, image.file)
    await deps.store.put(previewKey, image.preview)
    await em.flush()
  } catch (error) {
    await deps.store.delete([fileKey, previewKey])
    throw error
  }
  return viewOf(row)
}

function viewOf(row: {
  id: string
  width: number
  height: number
  size: number
  description?: string | null
  fileKey: string
  previewKey: string
}): MediaView {
  return {
    id: row.id,
    width: row.width,
    height: row.height,
    size: row.size,
    description: row.description ?? null,
    fileKey: row.fileKey,
    previewKey: row.previewKey,
  }
}

/**
 * Attaches the owner's uploads to a new post in the given order, in the caller's transaction.
 * Each must be the owner's, not attached, not discarded and younger than `maxAgeMs` (older ones
 * are the media job's to delete); the rows are locked, so two posts cannot take the same upload.
 * Any other id is a 422 on `mediaIds`.
 */
export async function attachMedia(
  em: EntityManager,
  input: { ownerId: string; postId: string; ids: readonly string[]; now: Date; maxAgeMs: number },
): Promise<MediaView[]> {
  const { ownerId, postId, ids, now, maxAgeMs } = input
  if (ids.length === 0) return []
  const refuse = (message: string) => new ValidationError([{ path: 'mediaIds', message }])
  if (ids.length > MEDIA_PER_POST) throw refuse(`At most ${MEDIA_PER_POST} pictures.`)
  if (new Set(ids).size !== ids.length) throw refuse('The same picture is given twice.')
  if (!ids.every((id) => UUID_PATTERN.test(id))) throw refuse('Not a media id.')
  const rows = await db(em)
    .selectFrom('media')
    .select(['id', 'width', 'height', 'size', 'description', 'file_key', 'preview_key'])
    .where('id', 'in', [...ids])
    .where('owner_id', '=', ownerId)
    .where('post_id', 'is', null)
    .where('discarded_at', 'is', null)
    .where('created_at', '>', new Date(now.getTime() - maxAgeMs))
    .forUpdate()
    .execute()
  if (rows.length !== ids.length) {
    throw refuse('Each id must be one of your own uploads not attached to a post yet.')
  }
  for (const [position, id] of ids.entries()) {
    await db(em)
      .updateTable('media')
      .set({ post_id: postId, position })
      .where('id', '=', id)
      .execute()
  }
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.map((id) => {
    const row = byId.get(id)
    if (!row) throw new Error('a locked media row vanished')
    return viewOf({ ...row, fileKey: row.file_key, previewKey: row.preview_key })
  })
}

const mediaOfPostsQuery = preparedQuery((em, { postIds }: { postIds: readonly string[] }) =>
  db(em)
    .selectFrom('media')
    .select(['id', 'post_id', 'width', 'height', 'size', 'description', 'file_key', 'preview_key'])
    .where((eb) => eb('post_id', '=', eb.fn.any(eb.val(postIds))))
    .where('discarded_at', 'is', null)
    .orderBy('post_id')
    .orderBy('position'),
)

/** The pictures of each post, in their order, in one query; posts without any are absent. */
export async function mediaOfPosts(
  em: EntityManager,
  postIds: readonly string[],
): Promise<Map<string, MediaView[]>> {
  const byPost = new Map<string, MediaView[]>()
  if (postIds.length === 0) return byPost
  const rows = await mediaOfPostsQuery(em, { postIds })
  for (const row of rows) {
    if (row.post_id === null) continue
    const list = byPost.get(row.post_id) ?? []
    list.push(viewOf({ ...row, fileKey: row.file_key, previewKey: row.preview_key }))
    byPost.set(row.post_id, list)
  }
  return byPost
}

/**
 * Marks the pictures of a deleted post, or of every post and upload of a deleted account, for
 * removal in the caller's transaction; `removeMedia` deletes their files and rows after it commits.
 */
export async function discardMedia(
  em: EntityManager,
  target: { postId: string } | { ownerId: string },
  now: Date,
): Promise<void> {
  const query = db(em)
    .updateTable('media')
    .set({ discarded_at: now })
    .where('discarded_at', 'is', null)
  await (
    'postId' in target
      ? query.where('post_id', '=', target.postId)
      : query.where('owner_id', '=', target.ownerId)
  ).execute()
}

/** Uploads removed per transaction by `removeMedia`. */
export const MEDIA_REMOVAL_BATCH = 100

/**
 * Deletes up to a batch of pictures whose time is up, files first, then rows, in one transaction:
 * the discarded pictures of one post (`postId`), or every discarded picture and every upload not
 * attached within `maxAgeMs`.
 * A file that cannot be removed rolls the batch back, to be tried again. Answers how many went.
 */
export async function removeMedia(
  em: EntityManager,
  store: MediaStore,
  scope: { postId: string } | { now: Date; maxAgeMs: number },
): Promise<number> {
  const rows = await db(em)
    .selectFrom('media')
    .select(['id', 'file_key', 'preview_key'])
    .where((eb) =>
      'postId' in scope
        ? eb.and([eb('post_id', '=', scope.postId), eb('discarded_at', 'is not', null)])
        : eb.or([
            eb('discarded_at', 'is not', null),
            eb.and([
              eb('post_id', 'is', null),
              eb('created_at', '<=', new Date(scope.now.getTime() - scope.maxAgeMs)),
              // An upload its owner shows as their avatar stays for as long as it is their avatar.
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('authors')
                    .select('authors.id')
                    .whereRef('authors.id', '=', 'media.owner_id')
                    .where(
                      sql<boolean>`right(authors.avatar_url, length(media.file_key) + 1) = '/' || media.file_key`,
                    ),
                ),
              ),
            ]),
          ]),
    )
    .orderBy('created_at')
    .limit(MEDIA_REMOVAL_BATCH)
    .forUpdate()
    // The job passes over rows a post or another replica holds; one post's removal waits for them.
    .$if(!('postId' in scope), (qb) => qb.skipLocked())
    .execute()
  if (rows.length === 0) return 0
  await store.delete(rows.flatMap((row) => [row.file_key, row.preview_key]))
  await db(em)
    .deleteFrom('media')
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .execute()
  return rows.length
}
