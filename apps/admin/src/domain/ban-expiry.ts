import { setTimeout as sleep } from 'node:timers/promises'

import type { MikroORM } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'
import { LockMode } from '@mikro-orm/core'

import { User } from '../entities/user.entity.js'
import { liftBan } from './moderation.js'

const logger: Logger = createLogger('admin:ban-expiry')

export const BAN_EXPIRY_BATCH = 100

/**
 * Lifts up to `batchSize` temporary bans that ended by `clock()`, in one transaction; answers
 * how many. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several admin instances (or an
 * unban in flight) never lift the same ban twice, and a re-ban committed first is left alone.
 */
export async function liftExpiredBans(
  orm: MikroORM,
  clock: () => Date,
  batchSize = BAN_EXPIRY_BATCH,
): Promise<number> {
  return orm.em.fork().transactional(async (em) => {
    const now = clock()
    const users = await em.find(
      User,
      { status: 'banned', bannedUntil: { $lte: now } },
      {
        orderBy: { bannedUntil: 'asc', id: 'asc' },
        limit: batchSize,
        lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
      },
    )
    for (const user of users) liftBan(em, user, { actorId: null, at: now, correlationId: null })
    return users.length
  })
}

export interface BanExpiryOptions {
  orm: MikroORM
  clock: () => Date
  intervalMs: number
  signal: AbortSignal
}

/**
 * Lifts ended bans at once, then every `intervalMs` until `signal` aborts; resolves when the
 * pass in flight has committed. A failed pass (database down) is logged and retried next tick.
 */
export async function runBanExpiry(options: BanExpiryOptions): Promise<void> {
  const { orm, clock, intervalMs, signal } = options
  while (!signal.aborted) {
    try {
      let lifted: number
      do {
        lifted = await liftExpiredBans(orm, clock)
        if (lifted > 0) logger.info({ lifted }, 'lifted ended bans')
      } while (lifted === BAN_EXPIRY_BATCH && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'lifting ended bans failed')
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
  }
}
