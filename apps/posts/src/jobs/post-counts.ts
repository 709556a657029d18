import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import { POST_COUNTS_BATCH, rollUpPostCounts } from '../domain/post-counters.js'

const logger: Logger = createLogger('posts:post-counts')

export interface PostCountsRollupOptions {
  /** The EntityManager each pass forks its unit of work from. */
  em: EntityManager
  intervalMs: number
  signal: AbortSignal
}

/**
 * Publishes changed post counts every `intervalMs` until `signal` aborts; resolves when the pass
 * in flight has committed. Each batch is one transaction. A failed pass (database down) is logged
 * and retried next tick; the shards stay pending meanwhile, so nothing is lost.
 */
export async function runPostCountsRollup(options: PostCountsRollupOptions): Promise<void> {
  const { em, intervalMs, signal } = options
  while (!signal.aborted) {
    try {
      let published: number
      do {
        published = await inTransaction(em, (tx) => rollUpPostCounts(tx))
      } while (published === POST_COUNTS_BATCH && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'publishing post counts failed')
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
  }
}
