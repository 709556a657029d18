import { setTimeout as sleep } from 'node:timers/promises'

import { OUTBOX_CHANNEL, OutboxMessage } from '@chatty/db'
import { createLogger, type Logger } from '@chatty/logger'
import { LockMode } from '@mikro-orm/core'
import type { MikroORM } from '@mikro-orm/postgresql'
import pg from 'pg'
import type { Registry } from 'prom-client'

import type { Broker } from './broker.js'
import { publishOptions } from './envelope.js'
import { createRelayMetrics } from './metrics.js'

export interface OutboxRelayOptions {
  orm: MikroORM
  broker: Broker
  logger?: Logger
  batchSize?: number
  /** Fallback for missed notifications (LISTEN connection down, broker back). */
  pollIntervalMs?: number
  /** Published rows older than this are deleted. */
  retentionMs?: number
  /** Unconfirmed publishes of one row before the relay leaves it alone (DESIGN §5, decisions). */
  maxAttempts?: number
  /** Wait after a row's first failed attempt; it doubles with every further one. */
  retryBaseMs?: number
  /** The longest wait between two attempts of a row. */
  retryMaxMs?: number
  /** Where the backlog (counted on every poll) and the duration of each batch are recorded. */
  metrics?: Registry
}

export interface OutboxRelay {
  start(): void
  /** Publishes everything pending now (as far as the broker is reachable). */
  flush(): Promise<void>
  /** Stops listening and polling, then makes a last attempt to publish what is pending. */
  close(): Promise<void>
}

const PRUNE_EVERY_MS = 60 * 60_000

/** When a row that has failed `attempts` times is due again: exponential, capped. */
export function nextAttemptDelayMs(
  attempts: number,
  options: { retryBaseMs: number; retryMaxMs: number },
): number {
  return Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.max(0, attempts - 1))
}

/**
 * Publishes outbox rows: claims a batch of due rows with `FOR UPDATE SKIP LOCKED`, publishes each
 * on the confirm channel and marks the confirmed ones published, all in one transaction, so
 * several relays (replicas) never publish the same row at the same time and nothing is marked
 * before the broker has it. The broker's confirm timeout bounds how long the locks are held. A row
 * the broker does not confirm is tried again after a growing delay, and after `maxAttempts` no
 * more: it stays unpublished in the table, with its last error, for an operator to look at.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { orm, broker, batchSize = 100, pollIntervalMs = 1_000 } = options
  const { maxAttempts = 10, retryBaseMs = 1_000, retryMaxMs = 5 * 60_000 } = options
  const retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000
  const logger = options.logger ?? createLogger('messaging:outbox')
  const metrics = options.metrics && createRelayMetrics(options.metrics)
  const stopping = new AbortController()
  let running: Promise<void> | null = null
  let again = false
  let closed = false
  let lastPrunedAt = 0
  let poller: NodeJS.Timeout | undefined
  let listener: pg.Client | undefined
  let unsubscribe: (() => void) | undefined
  let listening: Promise<void> | undefined
  let closing: Promise<void> | undefined

  async function publishBatch(): Promise<{ claimed: number; published: number }> {
    const startedAt = performance.now()
    const result = await claimAndPublish()
    if (result.claimed > 0) metrics?.published((performance.now() - startedAt) / 1_000)
    return result
  }

  async function claimAndPublish(): Promise<{ claimed: number; published: number }> {
    return orm.em.fork().transactional(async (em) => {
      const rows = await em.find(
        OutboxMessage,
        {
          publishedAt: null,
          attempts: { $lt: maxAttempts },
          $or: [{ nextAttemptAt: null }, { nextAttemptAt: { $lte: new Date() } }],
        },
        {
          orderBy: { createdAt: 'asc', id: 'asc' },
          limit: batchSize,
          lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
        },
      )
      const outcomes = await Promise.allSettled(
        rows.map(async (row) =>
          broker.publish(
            broker.names.exchangeFor(row),
            row.routingKey,
            Buffer.from(JSON.stringify(row.envelope)),
            publishOptions(row.envelope),
          ),
        ),
      )
      const now = new Date()
      let published = 0
      outcomes.forEach((outcome, index) => {
        const row = rows[index] as OutboxMessage
        row.attempts += 1
        if (outcome.status === 'fulfilled') {
          row.publishedAt = now
          row.nextAttemptAt = null
          row.lastError = null
          published += 1
          return
        }
        row.lastError = String(outcome.reason)
        if (row.attempts >= maxAttempts) {
          row.nextAttemptAt = null
          logger.error(
            { outboxId: row.id, type: row.type, attempts: row.attempts, err: outcome.reason },
            'outbox message never confirmed; no more attempts (it stays in the outbox table)',
          )
        } else {
          const delayMs = nextAttemptDelayMs(row.attempts, { retryBaseMs, retryMaxMs })
          row.nextAttemptAt = new Date(now.getTime() + delayMs)
        }
      })
      if (published < rows.length) {
        logger.warn({ failed: rows.length - published }, 'some outbox messages were not confirmed')
      }
      return { claimed: rows.length, published }
    })
  }

  async function drain(): Promise<void> {
    while (broker.status() === 'connected') {
      const { claimed, published } = await publishBatch()
      if (claimed < batchSize || published < claimed) return
    }
  }

  async function countBacklog(): Promise<void> {
    if (!metrics) return
    metrics.backlog(await orm.em.fork().count(OutboxMessage, { publishedAt: null }))
  }

  async function prune(): Promise<void> {
    if (Date.now() - lastPrunedAt < PRUNE_EVERY_MS) return
    lastPrunedAt = Date.now()
    const cutoff = new Date(Date.now() - retentionMs)
    await orm.em.fork().nativeDelete(OutboxMessage, { publishedAt: { $lt: cutoff } })
  }

  /** Single flight: a wake-up during a pass schedules one more pass after it. */
  function wake(): Promise<void> {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await drain().catch((error: unknown) =>
            logger.error({ err: error }, 'outbox pass failed'),
          )
        } while (again)
      } finally {
        running = null
      }
    })()
    return running
  }

  async function listen(url: string): Promise<void> {
    for (let attempt = 0; !closed; attempt += 1) {
      const client = new pg.Client({ connectionString: url })
      listener = client
      const ended = new Promise<void>((resolve) => {
        client.on('error', (error) => {
          logger.warn({ err: error }, 'outbox LISTEN connection failed')
          resolve()
        })
        client.on('end', resolve)
      })
      try {
        await client.connect()
        client.on('notification', () => void wake())
        await client.query(`listen ${OUTBOX_CHANNEL}`)
        attempt = 0
        // Rows committed while nobody was listening announced themselves to no one.
        void wake()
        await ended
      } catch (error) {
        logger.warn({ err: error }, 'outbox LISTEN failed')
      } finally {
        await client.end().catch(() => undefined)
      }
      if (!closed) {
        await sleep(Math.min(30_000, 500 * 2 ** attempt), undefined, {
          signal: stopping.signal,
        }).catch(() => undefined)
      }
    }
  }

  return {
    start() {
      if (poller || closed) return
      unsubscribe = broker.onConnected(() => void wake())
      listening = listen(orm.config.get('clientUrl') as string)
      poller = setInterval(() => {
        void wake()
        prune().catch((error: unknown) => logger.warn({ err: error }, 'outbox prune failed'))
        countBacklog().catch((error: unknown) =>
          logger.warn({ err: error }, 'outbox backlog count failed'),
        )
      }, pollIntervalMs)
    },
    flush: wake,
    close() {
      closing ??= (async () => {
        closed = true
        clearInterval(poller)
        unsubscribe?.()
        stopping.abort()
        await listener?.end().catch(() => undefined)
        await listening
        await wake()
      })()
      return closing
    },
  }
}
