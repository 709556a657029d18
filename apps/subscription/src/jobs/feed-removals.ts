import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import type { FeedRemovalConfig } from '../config.js'
import { type FeedRemover, walkFeedRemoval } from '../domain/feed-removals.js'

const logger: Logger = createLogger('subscription:feed-removals')

export interface FeedRemovalJobOptions {
  /** The EntityManager each batch forks its unit of work from. */
  em: EntityManager
  deps: FeedRemover & { config: { feedRemovals: FeedRemovalConfig } }
  signal: AbortSignal
}

/**
 * Walks pending feed removals (those too big for one batch in the consumer), one batch of
 * followers per transaction, until none is left, then looks again every `pollMs` until `signal`
 * aborts; resolves when the batch in flight has committed. Polling rather than LISTEN: an idle
 * look is one probe of a partial index, and feed reads already hide what is being removed (see
 * `readHomeFeed`), so a few hundred milliseconds of delay are not seen. A failed batch (Redis or
 * the database down) is retried on the next look.
 */
export async function runFeedRemovals(options: FeedRemovalJobOptions): Promise<void> {
  const { em, deps, signal } = options
  const { pauseMs, pollMs } = deps.config.feedRemovals
  while (!signal.aborted) {
    try {
      let step = await inTransaction(em, (tx) => walkFeedRemoval(tx, deps))
      while (step !== 'idle' && !signal.aborted) {
        if (pauseMs > 0) {
          await sleep(pauseMs, undefined, { signal }).catch(() => undefined)
          if (signal.aborted) break
        }
        step = await inTransaction(em, (tx) => walkFeedRemoval(tx, deps))
      }
    } catch (error) {
      logger.warn({ err: error }, 'a feed removal batch failed')
    }
    await sleep(pollMs, undefined, { signal }).catch(() => undefined)
  }
}
