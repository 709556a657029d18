import { randomBytes } from 'node:crypto'

import {
  COMMANDS_EXCHANGE,
  EVENTS_EXCHANGE,
  type MessageDefinition,
  uuidv7,
} from '@chatty/contracts'
import { createTestDatabase, type TestDatabase } from '@chatty/db/testing'
import { configureLogging } from '@chatty/logger'
import { createTcpProxy, type TcpProxy } from '@chatty/testing'
import amqp, { type GetMessage, type Options } from 'amqplib'
import { z } from 'zod'

import { type Broker, type BrokerOptions, createBroker } from '../broker.js'
import {
  type Consumer,
  type ConsumerOptions,
  createConsumer,
  type MessageContext,
} from '../consumer.js'
import { enqueue } from '../envelope.js'
import { messagingNames } from '../names.js'
import { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../outbox-relay.js'
import { deleteTopology, type Topology } from '../topology.js'
import { Effect } from './effect.entity.js'
import { entities, migrations } from './orm.js'

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

export const Pinged = {
  type: 'TestPinged',
  version: 1,
  versions: [1],
  exchange: EVENTS_EXCHANGE,
  routingKey: 'test.pinged',
  schema: z.object({ label: z.string() }),
} satisfies MessageDefinition

export const Ordered = {
  type: 'TestOrdered',
  version: 1,
  versions: [1],
  exchange: COMMANDS_EXCHANGE,
  routingKey: 'test.order',
  schema: z.object({ label: z.string() }),
} satisfies MessageDefinition

export const topology: Topology = [
  { service: 'listener', queue: 'listener.events', messages: [Pinged] },
  { service: 'worker', queue: 'test.order', messages: [Ordered] },
]

/** A TestPinged envelope as a producer would publish it; `data` may be made invalid on purpose. */
export function envelopeFor(label: string, data: unknown = { label }) {
  return {
    id: uuidv7(),
    type: 'TestPinged',
    version: 1,
    occurredAt: new Date().toISOString(),
    producer: 'test',
    correlationId: null,
    data,
  }
}

configureLogging({ level: process.env.LOG_LEVEL ?? 'silent' })

/**
 * One test file's world: its own database and broker names, and everything started through it
 * closed and deleted again by `cleanup()`.
 */
export async function createHarness(name: string) {
  const db: TestDatabase = await createTestDatabase({
    name: `messaging_${name}`,
    entities,
    migrations,
  })
  const names = messagingNames(`test-${randomBytes(4).toString('hex')}.`)
  const closers: (() => Promise<void>)[] = []
  const extraQueues: string[] = []
  const retryDelaysMs = [150, 300]

  function startBroker(url = AMQP_URL, options: Partial<BrokerOptions> = {}): Broker {
    const broker = createBroker({
      url,
      names,
      topology,
      reconnect: { initialMs: 20, maxMs: 200 },
      ...options,
    })
    closers.push(() => broker.close())
    broker.start()
    return broker
  }

  function startRelay(
    broker: Broker,
    pollIntervalMs = 60_000,
    options: Partial<OutboxRelayOptions> = {},
  ): OutboxRelay {
    const relay = createOutboxRelay({ orm: db.orm, broker, pollIntervalMs, ...options })
    closers.push(() => relay.close())
    relay.start()
    return relay
  }

  /** A consumer whose handler records an Effect for each label, after running `behave` for it. */
  function startConsumer(
    broker: Broker,
    options: {
      service?: 'listener' | 'worker'
      prefetch?: number
      batchSize?: number
      behave?: (label: string, context: MessageContext) => Promise<void> | void
      metrics?: ConsumerOptions['metrics']
    } = {},
  ): Consumer {
    const { service = 'listener', prefetch, batchSize, behave, metrics } = options
    const consumerOptions: ConsumerOptions = {
      broker,
      orm: db.orm,
      service,
      retryDelaysMs,
      prefetch,
      batchSize,
      metrics,
      isTransient: (error) => error instanceof Error && error.message.startsWith('transient'),
    }
    const consumer = createConsumer(consumerOptions)
    const definition = service === 'listener' ? Pinged : Ordered
    consumer.on(definition, async ({ label }, context) => {
      await behave?.(label, context)
      context.em.create(Effect, { id: uuidv7(), label, messageId: context.envelope.id })
    })
    closers.push(() => consumer.close())
    consumer.start()
    return consumer
  }

  async function emit(label: string, definition: typeof Pinged | typeof Ordered = Pinged) {
    return db.orm.em
      .fork()
      .transactional(async (em) => enqueue(em, definition, { label }, { producer: 'test' }))
  }

  async function effects(label: string): Promise<Effect[]> {
    return db.orm.em.fork().find(Effect, { label })
  }

  async function withChannel<T>(fn: (channel: amqp.Channel) => Promise<T>): Promise<T> {
    const connection = await amqp.connect(AMQP_URL)
    try {
      return await fn(await connection.createChannel())
    } finally {
      await connection.close()
    }
  }

  /** Publishes bytes as if some producer had, bypassing the outbox. */
  async function publishRaw(content: string, options: Options.Publish = {}) {
    await withChannel(async (channel) => {
      channel.publish(names.eventsExchange, Pinged.routingKey, Buffer.from(content), options)
      await channel.close()
    })
  }

  async function drainQueue(queue: string): Promise<GetMessage[]> {
    return withChannel(async (channel) => {
      const messages: GetMessage[] = []
      for (let message = await channel.get(queue); message; message = await channel.get(queue)) {
        messages.push(message)
        channel.ack(message)
      }
      return messages
    })
  }

  async function proxy(): Promise<{ proxy: TcpProxy; url: string }> {
    const target = new URL(AMQP_URL)
    const tcpProxy = await createTcpProxy({
      host: target.hostname,
      port: Number(target.port) || 5672,
    })
    closers.push(() => tcpProxy.close())
    target.port = String(tcpProxy.port)
    return { proxy: tcpProxy, url: target.toString() }
  }

  async function cleanup(): Promise<void> {
    for (const close of closers.reverse()) await close()
    await withChannel(async (channel) => {
      for (const queue of extraQueues) await channel.deleteQueue(queue)
      await deleteTopology(channel, names, topology, retryDelaysMs)
    })
    await db.drop()
  }

  return {
    db,
    names,
    retryDelaysMs,
    extraQueues,
    startBroker,
    startRelay,
    startConsumer,
    emit,
    effects,
    withChannel,
    publishRaw,
    drainQueue,
    proxy,
    cleanup,
  }
}

export type Harness = Awaited<ReturnType<typeof createHarness>>
