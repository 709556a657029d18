import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import { closeDuePolls, POLL_CLOSING_BATCH } from '../domain/polls.js'

const logger: Logger = createLogger('posts:poll-closing')

export interface PollClosingOptions {
  /** The EntityManager each pass forks its unit of work from. */
  em: EntityManager
  clock: () => Date
  intervalMs: number
  signal: AbortSignal
}

/**
 * Closes the polls whose time is up every `intervalMs` until `signal` aborts, each batch one
 * transaction with its PollClosed events; resolves when the batch in flight has committed. Reads
 * call a poll closed from `expiresAt` on, so the interval only delays the event. A failed pass
 * (database down) is logged and retried next tick; the polls stay open meanwhile, so none is lost.
 */
export async function runPollClosing(options: PollClosingOptions): Promise<void> {
  const { em, clock, intervalMs, signal } = options
  while (!signal.aborted) {
    try {
      let closed: number
      do {
        closed = await inTransaction(em, (tx) => closeDuePolls(tx, { clock }))
      } while (closed === POLL_CLOSING_BATCH && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'closing polls failed')
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
  }
}
