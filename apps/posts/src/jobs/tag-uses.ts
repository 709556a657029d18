import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import { pruneTagUses, TAG_USES_PRUNE_BATCH } from '../domain/trending-tags.js'

const logger: Logger = createLogger('posts:tag-uses')

/** Expired uses only cost space and index pages, so a pass a minute keeps the table small. */
const PRUNE_INTERVAL_MS = 60_000

export interface TagUsePruningOptions {
  /** The EntityManager each pass forks its unit of work from. */
  em: EntityManager
  clock: () => Date
  signal: AbortSignal
}

/**
 * Deletes tag uses older than the trending window, a batch per transaction, every minute until
 * `signal` aborts. A failed pass (database down) is logged and retried next time.
 */
export async function runTagUsePruning(options: TagUsePruningOptions): Promise<void> {
  const { em, clock, signal } = options
  while (!signal.aborted) {
    try {
      let pruned: number
      do {
        pruned = await inTransaction(em, (tx) => pruneTagUses(tx, clock()))
      } while (pruned === TAG_USES_PRUNE_BATCH && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'pruning tag uses failed')
    }
    await sleep(PRUNE_INTERVAL_MS, undefined, { signal }).catch(() => undefined)
  }
}
