import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import { BAN_EXPIRY_BATCH, liftExpiredBans } from '../domain/ban-expiry.js'

const logger: Logger = createLogger('admin:ban-expiry')

export interface BanExpiryOptions {
  /** The EntityManager each pass forks its unit of work from. */
  em: EntityManager
  clock: () => Date
  intervalMs: number
  signal: AbortSignal
}

/**
 * Lifts ended bans at once, then every `intervalMs` until `signal` aborts; resolves when the
 * pass in flight has committed. Each batch is one transaction. A failed pass (database down) is
 * logged and retried next tick.
 */
export async function runBanExpiry(options: BanExpiryOptions): Promise<void> {
  const { em, clock, intervalMs, signal } = options
  while (!signal.aborted) {
    try {
      let lifted: number
      do {
        lifted = await inTransaction(em, (tx) => liftExpiredBans(tx, { clock }))
        if (lifted > 0) logger.info({ lifted }, 'lifted ended bans')
      } while (lifted === BAN_EXPIRY_BATCH && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'lifting ended bans failed')
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
  }
}
