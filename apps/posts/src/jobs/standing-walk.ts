import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import { walkStandingBatch } from '../domain/standing-walk.js'

const logger: Logger = createLogger('posts:standing-walk')

export interface StandingWalkJobOptions {
  /** The EntityManager each batch forks its unit of work from. */
  em: EntityManager
  batchSize: number
  intervalMs: number
  signal: AbortSignal
}

/**
 * Counts the likes, reposts and comments of banned, unbanned and deleted accounts out of (or back
 * into) their posts' counts, one batch per transaction, until no account is pending; then looks
 * again every `intervalMs` until `signal` aborts, and resolves when the batch in flight has
 * committed. A failed batch (database down) is logged and retried on the next look.
 */
export async function runStandingWalks(options: StandingWalkJobOptions): Promise<void> {
  const { em, batchSize, intervalMs, signal } = options
  while (!signal.aborted) {
    try {
      let step: 'walked' | 'idle'
      do {
        step = await inTransaction(em, (tx) => walkStandingBatch(tx, { batchSize }))
      } while (step === 'walked' && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'counting the contributions of an account anew failed')
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
  }
}
