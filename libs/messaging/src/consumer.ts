import {
  type Envelope,
  envelopeSchema,
  type MessageData,
  type MessageDefinition,
} from '@chatty/contracts'
import { type InboxMessage, inTransaction, kyselyOf, preparedQuery } from '@chatty/db'
import { createLogger, type Logger, withLogContext } from '@chatty/logger'
import type { EntityManager, InferKyselyDB, MikroORM } from '@mikro-orm/postgresql'
import type { Channel, ChannelModel, ConsumeMessage, Options } from 'amqplib'
import { sql } from 'kysely'
import type { Registry } from 'prom-client'

import type { Broker } from './broker.js'
import { createConsumerMetrics, type DeliveryOutcome, INVALID_MESSAGE_LABEL } from './metrics.js'
import { declareRetryQueues, DEFAULT_RETRY_DELAYS_MS, findSubscription } from './topology.js'

type InboxDb = InferKyselyDB<typeof InboxMessage>

/**
 * Records messages as processed by a consumer, all in one statement; answers the ids of those it
 * had not recorded before. The ids must be distinct.
 */
const recordInInbox = preparedQuery(
  (em, values: { consumer: string; ids: string[]; types: string[]; processedAt: Date }) =>
    kyselyOf<InboxDb>(em)
      .insertInto('inbox')
      .columns(['consumer', 'message_id', 'type', 'processed_at'])
      .expression(
        sql<
          InboxDb['inbox']
        >`select ${values.consumer}, m.id, m.type, ${values.processedAt}::timestamptz
          from unnest(${values.ids}::uuid[], ${values.types}::text[]) as m(id, type)`,
      )
      .onConflict((conflict) => conflict.doNothing())
      .returning('message_id'),
)

export interface MessageContext {
  /** A fork inside the transaction that also records the message in the inbox. */
  em: EntityManager
  envelope: Envelope
  logger: Logger
  /** 1 for the first delivery, then one more for every retry. */
  attempt: number
  /** True when a failure now sends the message to the dead-letter queue. */
  lastAttempt: boolean
  /**
   * Runs `work` once the handler's transaction has committed, before the ack; for invalidating
   * caches, which done inside the transaction could be refilled from the old rows meanwhile. A
   * failure is logged, not retried: the effect itself is committed.
   */
  afterCommit(work: () => Promise<void>): void
}

/** Thrown by a handler for a message that can never succeed: it is dead-lettered without retries. */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure'
}

export type MessageHandler<D extends MessageDefinition> = (
  data: MessageData<D>,
  context: MessageContext,
) => Promise<void>

export interface ConsumerOptions {
  broker: Broker
  orm: MikroORM
  /** The consuming service; its queue and bindings come from the broker's topology. */
  service: string
  logger?: Logger
  /** Messages delivered and not yet acked; the most handled at once. */
  prefetch?: number
  /**
   * The most messages handled in one transaction (default 1). Messages waiting together then pay
   * for one BEGIN, inbox insert and COMMIT between them; a batch that fails is rolled back, and its
   * messages wait for a retry together when a dependency is down (`isTransient`), or are handled
   * one by one, so a failure retries or dead-letters only its own message.
   * A handler whose effects outside the database must not be repeated (an email) needs 1: a batch
   * rolled back runs every handler in it again.
   */
  batchSize?: number
  /** Wait before each retry of a failed handler; after the last one the message goes to the DLQ. */
  retryDelaysMs?: readonly number[]
  /**
   * Recognises failures of a dependency (database or Redis down). Such a message waits in the
   * longest retry queue without using up an attempt, so an outage never dead-letters messages.
   */
  isTransient?: (error: unknown) => boolean
  /** Where consumer lag and handler durations are recorded, by event type and outcome. */
  metrics?: Registry
}

export interface Consumer {
  on<D extends MessageDefinition>(definition: D, handler: MessageHandler<D>): Consumer
  /** Starts consuming now if connected, and again after every reconnect. */
  start(): void
  /** Cancels consuming, waits for in-flight messages to finish and be acked. Idempotent. */
  close(): Promise<void>
}

export const RETRY_COUNT_HEADER = 'x-retry-count'
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason'
export const LAST_ERROR_HEADER = 'x-last-error'

type Parsed =
  | { ok: true; envelope: Envelope; handler: MessageHandler<MessageDefinition>; data: unknown }
  | { ok: false; reason: string; detail: string }

/** A valid message delivered and waiting for its handler. */
interface Delivery {
  channel: Channel
  message: ConsumeMessage
  envelope: Envelope
  handler: MessageHandler<MessageDefinition>
  data: unknown
}

/**
 * Consumes one service's queue with manual acks. Each message runs its handler in a transaction
 * together with its inbox row, so a redelivered duplicate has no second effect; the ack follows
 * the commit. Messages that arrive while the handlers are busy wait, and are handled up to
 * `batchSize` in one transaction, one after the other. Invalid messages, and messages of a type or
 * envelope version this consumer does not know, go straight to the dead-letter queue; a failing
 * handler is retried through delay queues, then dead-lettered.
 */
export function createConsumer(options: ConsumerOptions): Consumer {
  const { broker, orm, service, prefetch = 16, retryDelaysMs = DEFAULT_RETRY_DELAYS_MS } = options
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 1, prefetch))
  /** Transactions at once: together they may hold every message the broker lets us have. */
  const workers = Math.max(1, Math.floor(prefetch / batchSize))
  const isTransient = options.isTransient ?? (() => false)
  const logger = options.logger ?? createLogger(`messaging:consumer:${service}`)
  const metrics = options.metrics && createConsumerMetrics(options.metrics)
  const subscription = findSubscription(broker.topology, service)
  const queue = broker.names.queue(subscription.queue)
  const handlers = new Map<
    string,
    { definition: MessageDefinition; handler: MessageHandler<never> }
  >()
  const inFlight = new Set<Promise<void>>()
  const waiting: Delivery[] = []
  let busyWorkers = 0
  let pumpScheduled = false
  let current: { connection: ChannelModel; channel: Channel; consumerTag: string } | null = null
  let setupFor: ChannelModel | null = null
  let unsubscribe: (() => void) | undefined
  let closing: Promise<void> | undefined

  async function setup(connection: ChannelModel): Promise<void> {
    if (setupFor === connection || closing) return
    setupFor = connection
    const channel = await connection.createChannel()
    channel.on('error', (error: Error) => logger.warn({ err: error }, 'consumer channel error'))
    // A channel closed under a live connection would stop consumption silently; reconnecting
    // everything restores it.
    channel.on('close', () => {
      // The broker requeues what this channel had not seen acked; its copies here are stale.
      dropWaiting(channel)
      if (!closing && current?.channel === channel) void connection.close().catch(() => undefined)
    })
    await channel.prefetch(prefetch)
    await declareRetryQueues(channel, broker.names, queue, retryDelaysMs)
    const { consumerTag } = await channel.consume(
      queue,
      (message) => {
        if (!message) return logger.warn({ queue }, 'consumer cancelled by the broker')
        receive(channel, message)
      },
      { noAck: false },
    )
    if (closing) {
      await channel.close().catch(() => undefined)
      return
    }
    current = { connection, channel, consumerTag }
    logger.info({ queue }, 'consuming')
  }

  function parse(message: ConsumeMessage): Parsed {
    let body: unknown
    try {
      body = JSON.parse(message.content.toString('utf8'))
    } catch {
      return { ok: false, reason: 'invalid-json', detail: 'the body is not JSON' }
    }
    const envelope = envelopeSchema.safeParse(body)
    if (!envelope.success) {
      return { ok: false, reason: 'invalid-envelope', detail: envelope.error.message }
    }
    const entry = handlers.get(envelope.data.type)
    if (!entry) return { ok: false, reason: 'unknown-type', detail: envelope.data.type }
    const { versions } = entry.definition
    if (!versions.includes(envelope.data.version)) {
      const known = `version${versions.length === 1 ? '' : 's'} ${versions.join(', ')}`
      return {
        ok: false,
        reason: 'unknown-version',
        detail: `${envelope.data.type} version ${envelope.data.version}; this consumer reads ${known}`,
      }
    }
    const data = entry.definition.schema.safeParse(envelope.data.data)
    if (!data.success) return { ok: false, reason: 'invalid-data', detail: data.error.message }
    const handler = entry.handler as MessageHandler<MessageDefinition>
    return { ok: true, envelope: envelope.data, handler, data: data.data }
  }

  function track(work: Promise<void>): void {
    const done = work.finally(() => inFlight.delete(done))
    inFlight.add(done)
  }

  function receive(channel: Channel, message: ConsumeMessage): void {
    const parsed = parse(message)
    if (!parsed.ok) {
      track(deadLetterInvalid(channel, message, parsed))
      return
    }
    const { envelope, handler, data } = parsed
    waiting.push({ channel, message, envelope, handler, data })
    schedulePump()
  }

  function dropWaiting(channel: Channel): void {
    const kept = waiting.filter((delivery) => delivery.channel !== channel)
    waiting.splice(0, waiting.length, ...kept)
  }

  /**
   * Starts the waiting messages on the free workers, on the next turn of the event loop, so that
   * messages arriving together (one read from the socket) share a batch.
   */
  function schedulePump(): void {
    if (pumpScheduled) return
    pumpScheduled = true
    setImmediate(() => {
      pumpScheduled = false
      while (busyWorkers < workers && waiting.length > 0) {
        busyWorkers += 1
        const batch = waiting.splice(0, batchSize)
        track(
          handleBatch(batch).finally(() => {
            busyWorkers -= 1
            if (waiting.length > 0) schedulePump()
          }),
        )
      }
    })
  }

  async function deadLetterInvalid(
    channel: Channel,
    message: ConsumeMessage,
    invalid: Extract<Parsed, { ok: false }>,
  ): Promise<void> {
    const startedAt = performance.now()
    const messageId = message.properties.messageId
    await withLogContext({ messageId }, async () => {
      try {
        logger.error(
          { reason: invalid.reason, detail: invalid.detail },
          'dead-lettering invalid message',
        )
        await republish(message, broker.names.deadLetterQueue(queue), {
          [DEAD_LETTER_REASON_HEADER]: invalid.reason,
          [LAST_ERROR_HEADER]: truncate(invalid.detail),
        })
      } catch (error) {
        requeue(channel, message, INVALID_MESSAGE_LABEL, startedAt, error)
        return
      }
      ignoreClosed(() => channel.ack(message))
      metrics?.finished(
        INVALID_MESSAGE_LABEL,
        'dead_letter',
        (performance.now() - startedAt) / 1_000,
      )
    })
  }

  /**
   * Handles a batch in one transaction. If it fails, nothing of it is committed: for a dependency
   * that is down, every message waits for a retry as one alone would; otherwise each is handled
   * again on its own, where a failure is that message's alone.
   */
  async function handleBatch(batch: Delivery[]): Promise<void> {
    const startedAt = performance.now()
    for (const { envelope } of batch) {
      metrics?.started(envelope.type, (Date.now() - Date.parse(envelope.occurredAt)) / 1_000)
    }
    if (batch.length > 1) {
      try {
        await runHandlers(batch)
        for (const delivery of batch) acked(delivery, 'ack', startedAt)
        return
      } catch (error) {
        if (isTransient(error)) {
          for (const delivery of batch) await failed(delivery, error, startedAt)
          return
        }
        logger.warn(
          { err: error, messages: batch.length },
          'a batch of messages failed; handling each on its own',
        )
      }
    }
    for (const delivery of batch) await handleAlone(delivery, startedAt)
  }

  async function handleAlone(delivery: Delivery, startedAt: number): Promise<void> {
    try {
      await runHandlers([delivery])
    } catch (error) {
      await failed(delivery, error, startedAt)
      return
    }
    acked(delivery, 'ack', startedAt)
  }

  /** Moves a message whose handler failed on to a retry or dead-letter queue, then acks it. */
  async function failed(delivery: Delivery, error: unknown, startedAt: number): Promise<void> {
    const { channel, message, envelope } = delivery
    await withLogContext(logContext(envelope), async () => {
      let outcome: DeliveryOutcome
      try {
        outcome = await retryLater(message, error)
      } catch (publishError) {
        requeue(channel, message, envelope.type, startedAt, publishError)
        return
      }
      acked(delivery, outcome, startedAt)
    })
  }

  /** Acks a message handled since `startedAt` (its batch's start) and records how it ended. */
  function acked(delivery: Delivery, outcome: DeliveryOutcome, startedAt: number): void {
    ignoreClosed(() => delivery.channel.ack(delivery.message))
    metrics?.finished(delivery.envelope.type, outcome, (performance.now() - startedAt) / 1_000)
  }

  /** Without its copy in a retry or dead-letter queue the original must stay with the broker. */
  function requeue(
    channel: Channel,
    message: ConsumeMessage,
    event: string,
    startedAt: number,
    error: unknown,
  ): void {
    logger.error(
      { err: error, messageId: message.properties.messageId },
      'could not move the message on; requeueing it',
    )
    ignoreClosed(() => channel.nack(message, false, true))
    metrics?.finished(event, 'retry', (performance.now() - startedAt) / 1_000)
  }

  /**
   * Runs the handlers of `batch` one after the other in one transaction, with their inbox rows;
   * a message already in the inbox is skipped. Each handler's changes are flushed before the next
   * starts, and it sees no entity the previous one loaded, as if each had its own transaction.
   */
  async function runHandlers(batch: Delivery[]): Promise<void> {
    // PostgreSQL answers uuids in lower case; an id may arrive in upper case.
    const idOf = (delivery: Delivery) => delivery.envelope.id.toLowerCase()
    const unique = [...new Map(batch.map((delivery) => [idOf(delivery), delivery])).values()]
    let committed: { envelope: Envelope; work: () => Promise<void> }[] = []
    await inTransaction(orm.em, async (em) => {
      committed = []
      const recorded = await recordInInbox(em, {
        consumer: service,
        ids: unique.map(idOf),
        types: unique.map(({ envelope }) => envelope.type),
        processedAt: new Date(),
      })
      const fresh = new Set(recorded.map((row) => row.message_id))
      for (const delivery of unique) {
        const { envelope, handler, data, message } = delivery
        await withLogContext(logContext(envelope), async () => {
          if (!fresh.has(idOf(delivery))) {
            logger.info({ type: envelope.type }, 'duplicate message skipped')
            return
          }
          const retries = retryCount(message)
          await handler(data, {
            em,
            envelope,
            logger,
            attempt: retries + 1,
            lastAttempt: retryDelaysMs[retries] === undefined,
            afterCommit: (work) => committed.push({ envelope, work }),
          })
          await em.flush()
          em.clear()
        })
      }
    })
    for (const { envelope, work } of committed) {
      await withLogContext(logContext(envelope), () =>
        work().catch((error: unknown) => {
          logger.warn({ err: error, type: envelope.type }, 'after-commit work failed')
        }),
      )
    }
  }

  async function retryLater(message: ConsumeMessage, error: unknown): Promise<DeliveryOutcome> {
    const attempt = retryCount(message)
    const delayMs = retryDelaysMs[attempt]
    const lastError = truncate(error instanceof Error ? error.message : String(error))
    const longestDelayMs = retryDelaysMs.at(-1)
    if (isTransient(error) && longestDelayMs !== undefined) {
      logger.warn({ err: error, delayMs: longestDelayMs }, 'dependency down; retrying later')
      await republish(message, broker.names.retryQueue(queue, longestDelayMs), {
        [RETRY_COUNT_HEADER]: attempt,
        [LAST_ERROR_HEADER]: lastError,
      })
      return 'retry'
    }
    if (error instanceof PermanentFailure) {
      logger.error({ err: error }, 'message can never succeed; dead-lettering')
      await republish(message, broker.names.deadLetterQueue(queue), {
        [DEAD_LETTER_REASON_HEADER]: 'permanent-failure',
        [LAST_ERROR_HEADER]: lastError,
        [RETRY_COUNT_HEADER]: attempt,
      })
      return 'dead_letter'
    }
    if (delayMs === undefined) {
      logger.error({ err: error, attempts: attempt + 1 }, 'handler failed for good; dead-lettering')
      await republish(message, broker.names.deadLetterQueue(queue), {
        [DEAD_LETTER_REASON_HEADER]: 'handler-failed',
        [LAST_ERROR_HEADER]: lastError,
        [RETRY_COUNT_HEADER]: attempt,
      })
      return 'dead_letter'
    }
    logger.warn({ err: error, attempt: attempt + 1, delayMs }, 'handler failed; retrying later')
    await republish(message, broker.names.retryQueue(queue, delayMs), {
      [RETRY_COUNT_HEADER]: attempt + 1,
      [LAST_ERROR_HEADER]: lastError,
    })
    return 'retry'
  }

  function republish(
    message: ConsumeMessage,
    target: string,
    headers: Record<string, string | number>,
  ): Promise<void> {
    const { properties } = message
    const publishOptions: Options.Publish = {
      messageId: properties.messageId,
      type: properties.type,
      contentType: properties.contentType,
      timestamp: properties.timestamp,
      appId: properties.appId,
      persistent: true,
      headers: { ...withoutDeathHeaders(properties.headers), ...headers },
    }
    return broker.publish('', target, message.content, publishOptions)
  }

  return {
    on(definition, handler) {
      if (!subscription.messages.includes(definition)) {
        throw new Error(`${service} does not subscribe to ${definition.type}; see the topology`)
      }
      handlers.set(definition.type, { definition, handler: handler as MessageHandler<never> })
      return this
    },
    start() {
      const missing = subscription.messages.filter((message) => !handlers.has(message.type))
      if (missing.length > 0) {
        throw new Error(`${service} has no handler for ${missing.map((m) => m.type).join(', ')}`)
      }
      if (unsubscribe || closing) return
      unsubscribe = broker.onConnected(setup)
      const connection = broker.connection()
      if (connection) {
        setup(connection).catch((error: unknown) =>
          logger.error({ err: error }, 'consumer setup failed'),
        )
      }
    },
    close() {
      closing ??= (async () => {
        unsubscribe?.()
        const active = current
        current = null
        if (active) await active.channel.cancel(active.consumerTag).catch(() => undefined)
        // Messages already delivered are handled and acked before the channel closes.
        while (inFlight.size > 0 || waiting.length > 0) {
          await Promise.allSettled([...inFlight])
          await new Promise((resolve) => setImmediate(resolve))
        }
        await active?.channel.close().catch(() => undefined)
      })()
      return closing
    },
  }
}

function logContext(envelope: Envelope): { messageId: string; correlationId?: string } {
  return { messageId: envelope.id, correlationId: envelope.correlationId ?? undefined }
}

function retryCount(message: ConsumeMessage): number {
  return Number(message.properties.headers?.[RETRY_COUNT_HEADER] ?? 0)
}

/** The broker's own dead-letter bookkeeping is not ours to copy into a new message. */
function withoutDeathHeaders(headers: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !/^x-(death|first-death-|last-death-)/.test(name)),
  )
}

function truncate(text: string): string {
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text
}

function ignoreClosed(action: () => void): void {
  try {
    action()
  } catch {
    // The channel is gone; the broker requeues whatever it had not seen acked.
  }
}
