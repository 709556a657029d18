import { setTimeout as sleep } from 'node:timers/promises'

import type { Revocations } from '@chatty/domain'
import { revocationKeys, type RevocationOwner, writeRevocationMarks } from '@chatty/http'
import type { Logger } from '@chatty/logger'
import type { Redis } from 'ioredis'

import type { BackgroundJob } from './core.js'

export interface RevocationRestorerOptions {
  redis: Redis
  owner: RevocationOwner
  /** How long a mark must live: the access token lifetime, with a margin. */
  ttlSeconds: number
  /** Every revocation decided since `since`, read from the owner's database. */
  load(since: Date): Promise<Revocations>
  clock: () => Date
  logger: Logger
  /** How often the job looks whether Redis still has the owner's marks. */
  intervalMs?: number
  /**
   * How long a revocation's transaction may still be in flight after it wrote its mark: the marks
   * are read again after this wait, before they are declared complete.
   */
  settleMs?: number
}

/**
 * Keeps an owner's revocation marks in Redis: whenever its "complete" key is missing (a new,
 * flushed or restarted-empty Redis), writes again every mark of the last token lifetime from
 * PostgreSQL, then sets the key. Until then the access token verifier answers 503. A revocation
 * writes its mark before it commits, so one whose mark was lost with Redis but which committed
 * after the first read is caught by a second read `settleMs` later; only then is the key set.
 */
export function revocationRestorer(options: RevocationRestorerOptions): BackgroundJob {
  const { redis, owner, logger } = options
  const intervalMs = options.intervalMs ?? 500
  const settleMs = options.settleMs ?? 2_000
  const complete = revocationKeys.complete(owner)

  async function restore(): Promise<Revocations> {
    const since = new Date(options.clock().getTime() - options.ttlSeconds * 1000)
    const revocations = await options.load(since)
    await writeRevocationMarks(redis, revocations, options.ttlSeconds)
    return revocations
  }

  async function restoreIfLost(signal: AbortSignal): Promise<void> {
    // Not connected yet, or reconnecting: readiness says so already; the next pass tries again.
    if (redis.status !== 'ready') return
    if ((await redis.exists(complete)) === 1) return
    await restore()
    await sleep(settleMs, undefined, { signal }).catch(() => undefined)
    if (signal.aborted) return
    const revocations = await restore()
    await redis.set(complete, options.clock().toISOString())
    logger.warn(
      { sessions: revocations.sessions?.length ?? 0, users: revocations.users?.length ?? 0 },
      'revocation marks restored from the database',
    )
  }

  return async (signal) => {
    while (!signal.aborted) {
      try {
        await restoreIfLost(signal)
      } catch (error) {
        logger.error({ err: error }, 'cannot restore revocation marks yet; retrying')
      }
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
    }
  }
}
