import {
  revocationKeys,
  type RevocationOwner,
  type Revocations,
  writeRevocationMarks,
} from '@chatty/http'
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
}

/**
 * Keeps an owner's revocation marks in Redis: whenever its "complete" key is missing (a new,
 * flushed or restarted-empty Redis), writes again every mark of the last token lifetime from
 * PostgreSQL, then sets the key. Until then the access token verifier answers 503.
 */
export function revocationRestorer(options: RevocationRestorerOptions): BackgroundJob {
  const { redis, owner, logger } = options
  const intervalMs = options.intervalMs ?? 500
  const complete = revocationKeys.complete(owner)

  async function restoreIfLost(): Promise<void> {
    if ((await redis.exists(complete)) === 1) return
    const since = new Date(options.clock().getTime() - options.ttlSeconds * 1000)
    const revocations = await options.load(since)
    await writeRevocationMarks(redis, revocations, options.ttlSeconds)
    await redis.set(complete, options.clock().toISOString())
    logger.warn(
      { sessions: revocations.sessions?.length ?? 0, users: revocations.users?.length ?? 0 },
      'revocation marks restored from the database',
    )
  }

  return async (signal) => {
    while (!signal.aborted) {
      try {
        await restoreIfLost()
      } catch (error) {
        logger.error({ err: error }, 'cannot restore revocation marks yet; retrying')
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs)
        signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}
