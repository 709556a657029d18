import { randomBytes } from 'node:crypto'

import type { ServiceManifest } from '@chatty/config'
import {
  COMMANDS_EXCHANGE,
  type Envelope,
  EVENTS_EXCHANGE,
  type MessageData,
  type MessageDefinition,
} from '@chatty/contracts'
import { type EntityLike, InboxMessage, type MigrationClassList, type MikroORM } from '@chatty/db'
import { createTestDatabase } from '@chatty/db/testing'
import { REVOCATION_OWNERS, revocationKeys } from '@chatty/http'
import { removePrefixedTopology, type ServiceMessaging } from '@chatty/messaging'
import {
  eventually,
  type MessageTap,
  publishEvent,
  type PublishEventOptions,
  tapExchange,
} from '@chatty/testing'
import { connect } from 'amqplib'
import type { Redis } from 'ioredis'

import type { ServiceMetrics } from './metrics.js'

export const TEST_AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

/** Retry waits short enough for tests; the topology of a file is removed with them. */
const TEST_RETRY_DELAYS_MS = [50, 100] as const

/** What the harness needs of a service's context. */
export interface HarnessedContext {
  orm: MikroORM
  messaging: ServiceMessaging
  metrics: ServiceMetrics
  start(): Promise<void>
  close(): Promise<void>
}

/** What the harness gives every service's `createContext` as overrides. */
export interface HarnessOverrides {
  orm: MikroORM
  messaging: {
    pollIntervalMs: number
    retryDelaysMs: readonly number[]
    prefetch?: number
    batchSize?: number
  }
}

export interface ServiceHarnessOptions<Config, Ctx extends HarnessedContext, App, Extra> {
  service: ServiceManifest
  entities: readonly EntityLike[]
  migrations: MigrationClassList
  loadConfig(env: Record<string, string>): Config
  createContext(config: Config, overrides: HarnessOverrides & Extra): Promise<Ctx>
  createApp(ctx: Ctx): App
  /** Environment beside the database, broker prefix and AMQP URL the harness sets. */
  env?: Record<string, string>
  /** Further overrides for `createContext` (a clock, token keys, a mailer). */
  overrides?: Extra
  /** Messages handled at once (1 makes "the message before was handled too" observable). */
  prefetch?: number
  /** Messages handled in one transaction; the service's choice unless told. */
  batchSize?: number
  /** Retry waits; by default 50 and 100 ms. */
  retryDelaysMs?: readonly number[]
}

export interface RequestInit {
  method?: string
  body?: unknown
  token?: string
  /** The client address the service sees when it trusts X-Real-IP; a fresh one by default. */
  ip?: string
  headers?: Record<string, string>
}

/** A service in-process on its own database and its own broker names, started and ready. */
export interface ServiceHarness<Ctx, App> {
  ctx: Ctx
  app: App
  /** Name prefix of this harness's exchanges and queues. */
  prefix: string
  /** Everything published on the events exchange. */
  events: MessageTap
  /** Every SendEmail command. */
  commands: MessageTap
  /** Calls the app in-process with a JSON body and a bearer token. */
  request(path: string, init?: RequestInit): Promise<Response>
  /** Publishes a message as its producer's relay would, without waiting for the service. */
  publish<D extends MessageDefinition>(
    definition: D,
    data: MessageData<D>,
    options?: PublishEventOptions,
  ): Promise<Envelope<MessageData<D>>>
  /** Publishes a message and waits until the service has consumed it. */
  deliver<D extends MessageDefinition>(
    definition: D,
    data: MessageData<D>,
    options?: PublishEventOptions,
  ): Promise<Envelope<MessageData<D>>>
  /** Waits until the service's consumer has committed the messages with these envelope ids. */
  consumed(...messageIds: string[]): Promise<void>
  /** Messages the service gave up on (its dead-letter queue). */
  deadLetterCount(): Promise<number>
  /** Scrapes the service's metrics port (`GET /metrics`) as Prometheus would; the text format. */
  scrapeMetrics(): Promise<string>
  /** Runs `cleanup` first when the harness closes (for what a test file created beside it). */
  onClose(cleanup: () => Promise<void> | void): void
  close(): Promise<void>
}

interface RequestableApp {
  request(
    path: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Response | Promise<Response>
}

/**
 * Starts a service the way every integration test file does: a fresh migrated database, exchange
 * and queue names of its own, taps on both exchanges, the app built and messaging started.
 */
export async function startServiceHarness<
  Config,
  Ctx extends HarnessedContext,
  App extends RequestableApp,
  Extra extends object = object,
>(options: ServiceHarnessOptions<Config, Ctx, App, Extra>): Promise<ServiceHarness<Ctx, App>> {
  const { service } = options
  const prefix = `t${randomBytes(4).toString('hex')}.`
  const retryDelaysMs = options.retryDelaysMs ?? TEST_RETRY_DELAYS_MS
  const database = await createTestDatabase({
    name: service.database.replaceAll('-', '_'),
    entities: options.entities,
    migrations: options.migrations,
  })
  const config = options.loadConfig({
    [service.databaseVariable]: database.url,
    AMQP_URL: TEST_AMQP_URL,
    MESSAGING_PREFIX: prefix,
    // A port of its own for every test file's service, picked by the system.
    METRICS_PORT: '0',
    ...options.env,
  })
  const ctx = await options.createContext(config, {
    ...(options.overrides as Extra),
    orm: database.orm,
    messaging: {
      pollIntervalMs: 50,
      retryDelaysMs,
      prefetch: options.prefetch,
      batchSize: options.batchSize,
    },
  })
  const events = await tapExchange(TEST_AMQP_URL, `${prefix}${EVENTS_EXCHANGE}`, ['#'])
  const commands = await tapExchange(
    TEST_AMQP_URL,
    `${prefix}${COMMANDS_EXCHANGE}`,
    ['email.send'],
    'direct',
  )
  if ('redis' in ctx) {
    // No auth or admin runs beside the service under test to restore their revocation marks: the
    // marks they would own are all there (none).
    for (const owner of REVOCATION_OWNERS) {
      await (ctx.redis as Redis).set(revocationKeys.complete(owner), 'test harness')
    }
  }
  const app = options.createApp(ctx)
  await ctx.start()
  // Once connected the topology is declared, so messages published from here on wait in its queue.
  await eventually(() => {
    if (ctx.messaging.broker.status() !== 'connected') throw new Error('waiting for the broker')
    if ('redis' in ctx && (ctx.redis as Redis).status !== 'ready')
      throw new Error('waiting for Redis')
  }, 10_000)
  const cleanups: (() => Promise<void> | void)[] = []

  const consumed = (...messageIds: string[]) =>
    eventually(async () => {
      const em = ctx.orm.em.fork()
      for (const messageId of messageIds) {
        const row = await em.findOne(InboxMessage, { consumer: service.name, messageId })
        if (!row) throw new Error(`message ${messageId} not consumed yet`)
      }
    }, 10_000)

  const publish: ServiceHarness<Ctx, App>['publish'] = (definition, data, publishOptions) =>
    publishEvent(TEST_AMQP_URL, prefix, definition, data, publishOptions)

  return {
    ctx,
    app,
    prefix,
    events,
    commands,
    request: async (path, init = {}) => {
      const headers: Record<string, string> = {
        'x-real-ip': init.ip ?? `10.${randomBytes(3).join('.')}`,
        ...init.headers,
      }
      if (init.body !== undefined) headers['content-type'] ??= 'application/json'
      if (init.token) headers.authorization = `Bearer ${init.token}`
      return app.request(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      })
    },
    publish,
    deliver: async (definition, data, publishOptions) => {
      const envelope = await publish(definition, data, publishOptions)
      await consumed(envelope.id)
      return envelope
    },
    consumed,
    deadLetterCount: async () => {
      const connection = await connect(TEST_AMQP_URL)
      try {
        const channel = await connection.createChannel()
        const { names } = ctx.messaging.broker
        const queue = names.queue(service.queue)
        return (await channel.checkQueue(names.deadLetterQueue(queue))).messageCount
      } finally {
        await connection.close()
      }
    },
    scrapeMetrics: async () => {
      const response = await fetch(`http://127.0.0.1:${ctx.metrics.port()}/metrics`)
      if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`)
      return response.text()
    },
    onClose: (cleanup) => {
      cleanups.push(cleanup)
    },
    close: async () => {
      for (const cleanup of cleanups.toReversed()) await cleanup()
      await commands.close()
      await events.close()
      await ctx.close()
      await removePrefixedTopology(TEST_AMQP_URL, prefix, retryDelaysMs)
      await database.drop()
    },
  }
}
