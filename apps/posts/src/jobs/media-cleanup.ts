import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import { MEDIA_REMOVAL_BATCH, removeMedia } from '../domain/media.js'
import type { MediaStore } from '../media/storage.js'

const logger: Logger = createLogger('posts:media-cleanup')

export interface MediaCleanupOptions {
  /** The EntityManager each pass forks its unit of work from. */
  em: EntityManager
  store: MediaStore
  clock: () => Date
  /** Uploads not attached to a post within this time are deleted. */
  maxAgeMs: number
  intervalMs: number
  signal: AbortSignal
}

/**
 * Deletes the files and rows of uploads never attached within `maxAgeMs` and of pictures whose
 * post or account was deleted (when the deletion's own clean-up did not get to them), a batch per
 * transaction, every `intervalMs` until `signal` aborts. A failed pass is logged and retried.
 */
export async function runMediaCleanup(options: MediaCleanupOptions): Promise<void> {
  const { em, store, clock, maxAgeMs, intervalMs, signal } = options
  while (!signal.aborted) {
    try {
      let removed: number
      do {
        removed = await inTransaction(em, (tx) =>
          removeMedia(tx, store, { now: clock(), maxAgeMs }),
        )
      } while (removed === MEDIA_REMOVAL_BATCH && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'removing media failed')
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
  }
}

/**
 * Removes a deleted post's pictures once the deletion has committed. A failure is logged, not
 * thrown: the post is gone either way, and the media job removes the files on its next pass.
 */
export async function removeMediaOfDeletedPost(
  deps: { em: EntityManager; store: MediaStore },
  postId: string,
): Promise<void> {
  try {
    await inTransaction(deps.em, (tx) => removeMedia(tx, deps.store, { postId }))
  } catch (error) {
    logger.warn({ err: error, postId }, 'removing a deleted post’s media failed; the job retries')
  }
}
