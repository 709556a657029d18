import { createLogger, type Logger } from '@chatty/logger'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { Registry } from 'prom-client'

import { type Broker, createBroker } from './broker.js'
import { type Consumer, createConsumer } from './consumer.js'
import { messagingNames } from './names.js'
import { createOutboxRelay, type OutboxRelay } from './outbox-relay.js'

export interface ServiceMessagingOptions {
  /** The consuming service, as named in the topology. */
  service: string
  url: string
  /** Name prefix of exchanges and queues ('' in production). */
  prefix: string
  orm: MikroORM
  logger?: Logger
  /** Shown in the RabbitMQ management UI; defaults to the service. */
  connectionName?: string
  pollIntervalMs?: number
  prefetch?: number
  /** The most messages the consumer handles in one transaction (see `ConsumerOptions`). */
  batchSize?: number
  retryDelaysMs?: readonly number[]
  isTransient?: (error: unknown) => boolean
  /** Where the relay's and the consumer's metrics are recorded. */
  metrics?: Registry
}

/** The broker connection, outbox relay and consumer of one service, started and stopped in order. */
export interface ServiceMessaging {
  broker: Broker
  relay: OutboxRelay
  consumer: Consumer
  /** Call after every handler is registered on `consumer`. */
  start(): void
  /** Consumer first (in-flight messages finish), then the relay (flushes), then the connection. */
  close(): Promise<void>
}

export function createServiceMessaging(options: ServiceMessagingOptions): ServiceMessaging {
  const logger = options.logger ?? createLogger(`messaging:${options.service}`)
  const broker = createBroker({
    url: options.url,
    names: messagingNames(options.prefix),
    logger,
    connectionName: options.connectionName ?? options.service,
  })
  const relay = createOutboxRelay({
    orm: options.orm,
    broker,
    logger,
    pollIntervalMs: options.pollIntervalMs,
    metrics: options.metrics,
  })
  const consumer = createConsumer({
    broker,
    orm: options.orm,
    service: options.service,
    logger,
    prefetch: options.prefetch,
    batchSize: options.batchSize,
    retryDelaysMs: options.retryDelaysMs,
    isTransient: options.isTransient,
    metrics: options.metrics,
  })
  let closing: Promise<void> | undefined
  return {
    broker,
    relay,
    consumer,
    start: () => {
      relay.start()
      consumer.start()
      broker.start()
    },
    close: () => {
      closing ??= (async () => {
        await consumer.close()
        await relay.close()
        await broker.close()
      })()
      return closing
    },
  }
}
