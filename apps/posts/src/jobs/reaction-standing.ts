import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import { type ReactionWalk, settleReactionBatch } from '../domain/reaction-standing.js'

const logger: Logger = createLogger('posts:reaction-standing')

export interface ReactionStandingJobOptions {
  /** The EntityManager each batch forks its unit of work from. */
  em: EntityManager
  batchSize: number
  intervalMs: number
  signal: AbortSignal
}

/**
 * Counts the likes and reposts of banned, unbanned and deleted accounts out of (or back into) their
 * posts' counts, one batch per transaction, until no account is pending; then looks again every
 * `intervalMs` until `signal` aborts, and resolves when the batch in flight has committed. A
 * failed batch (database down) is logged and retried on the next look.
 */
export async function runReactionStanding(options: ReactionStandingJobOptions): Promise<void> {
  const { em, batchSize, intervalMs, signal } = options
  while (!signal.aborted) {
    try {
      let walk: ReactionWalk | null = null
      do {
        const last: ReactionWalk | null = walk
        walk = await inTransaction(em, (tx) => settleReactionBatch(tx, { batchSize }, last))
      } while (walk !== null && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'counting the reactions of an account anew failed')
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
  }
}
