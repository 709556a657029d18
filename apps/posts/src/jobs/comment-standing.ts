import { setTimeout as sleep } from 'node:timers/promises'

import { type EntityManager, inTransaction } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'

import type { CommentStandingConfig } from '../config.js'
import type { PostsContext } from '../context.js'
import { walkCommentStanding } from '../domain/comment-standing.js'

const logger: Logger = createLogger('posts:comment-standing')

export interface CommentStandingJobOptions {
  /** The EntityManager each batch forks its unit of work from. */
  em: EntityManager
  deps: Pick<PostsContext, 'clock'>
  config: CommentStandingConfig
  signal: AbortSignal
}

/**
 * Brings banned, unbanned and deleted authors' comments in line with their standing, one batch
 * per transaction, until no walk is left, then looks again every `pollMs` until `signal` aborts;
 * resolves when the batch in flight has committed. Reads hide such comments at once by the
 * author's standing, so only the counts wait for this. A failed batch is retried on the next look.
 */
export async function runCommentStandingWalks(options: CommentStandingJobOptions): Promise<void> {
  const { em, deps, config, signal } = options
  while (!signal.aborted) {
    try {
      let step: 'walked' | 'idle'
      do {
        step = await inTransaction(em, (tx) =>
          walkCommentStanding(tx, deps, { batchSize: config.batchSize }),
        )
      } while (step === 'walked' && !signal.aborted)
    } catch (error) {
      logger.warn({ err: error }, 'a comment standing batch failed')
    }
    await sleep(config.pollMs, undefined, { signal }).catch(() => undefined)
  }
}
