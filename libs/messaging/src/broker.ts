import { setTimeout as sleep } from 'node:timers/promises'

import { createLogger, type Logger } from '@chatty/logger'
import amqp, { type ChannelModel, type ConfirmChannel, type Options } from 'amqplib'

import type { MessagingNames } from './names.js'
import { CHATTY_TOPOLOGY, declareTopology, type Topology } from './topology.js'

export type BrokerStatus = 'connected' | 'connecting' | 'closed'

export type ConnectedListener = (connection: ChannelModel) => void | Promise<void>

export interface Broker {
  readonly names: MessagingNames
  readonly topology: Topology
  /** Connects in the background and keeps reconnecting; never throws because the broker is down. */
  start(): void
  status(): BrokerStatus
  /** The live connection, or null while (re)connecting. */
  connection(): ChannelModel | null
  /**
   * Runs `listener` after every (re)connect, once the topology is declared. A listener that
   * throws makes the broker drop the connection and try again later.
   */
  onConnected(listener: ConnectedListener): () => void
  /** Publishes on the confirm channel; resolves when the broker has taken responsibility. */
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
  ): Promise<void>
  close(): Promise<void>
}

export interface BrokerOptions {
  url: string
  names: MessagingNames
  /** Declared on every connect; defaults to every Chatty service's subscriptions. */
  topology?: Topology
  logger?: Logger
  reconnect?: { initialMs: number; maxMs: number }
  /** Shown in the RabbitMQ management UI. */
  connectionName?: string
  confirmTimeoutMs?: number
}

/**
 * How long a publish waits for the broker's confirm. The outbox relay holds its claimed rows'
 * locks until every publish of the batch is settled, so this bounds how long they are held.
 */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 5_000

/**
 * Reconnection delays: doubling from a quarter second to at most 5 s, so a broker that is back is
 * in use again within 5 s. An attempt every few seconds from each process costs the broker nothing;
 * a longer ceiling only delays the recovery (at 30 s, posts written during an outage reached their
 * followers up to half a minute after the broker returned).
 */
export const DEFAULT_RECONNECT = { initialMs: 250, maxMs: 5_000 }

/** One AMQP connection per process, with a confirm channel for publishing. */
export function createBroker(options: BrokerOptions): Broker {
  const {
    url,
    names,
    topology = CHATTY_TOPOLOGY,
    confirmTimeoutMs = DEFAULT_CONFIRM_TIMEOUT_MS,
  } = options
  const logger = options.logger ?? createLogger('messaging:broker')
  const reconnect = options.reconnect ?? DEFAULT_RECONNECT
  const listeners = new Set<ConnectedListener>()
  const stopping = new AbortController()
  let state: BrokerStatus = 'connecting'
  let live: { connection: ChannelModel; publisher: ConfirmChannel } | null = null
  let started = false
  let closing: Promise<void> | undefined

  async function connectWithBackoff(): Promise<void> {
    for (let attempt = 0; state !== 'closed'; attempt += 1) {
      try {
        await connectOnce()
        return
      } catch (error) {
        const delayMs = backoffMs(attempt, reconnect.initialMs, reconnect.maxMs)
        logger.warn({ err: error, delayMs }, 'broker connection failed; retrying')
        await sleep(delayMs, undefined, { signal: stopping.signal }).catch(() => undefined)
      }
    }
  }

  async function connectOnce(): Promise<void> {
    const connection = await amqp.connect(url, {
      clientProperties: { connection_name: options.connectionName ?? names.prefix + 'chatty' },
    })
    let lost = false
    let established = false
    connection.on('error', (error: Error) => logger.warn({ err: error }, 'broker connection error'))
    connection.on('close', () => {
      lost = true
      if (established) onConnectionLost(connection)
    })
    try {
      const publisher = await connection.createConfirmChannel()
      publisher.on('error', (error: Error) => logger.warn({ err: error }, 'publish channel error'))
      // A channel dies on any protocol error; starting over on a fresh connection is the simplest recovery.
      publisher.on('close', () => void connection.close().catch(() => undefined))
      await declareTopology(publisher, names, topology)
      if (state === 'closed') throw new Error('broker closed while connecting')
      live = { connection, publisher }
      state = 'connected'
      logger.info('broker connected')
      for (const listener of listeners) await listener(connection)
      if (lost) throw new Error('connection lost while setting up')
      established = true
    } catch (error) {
      live = null
      if (state !== 'closed') state = 'connecting'
      await connection.close().catch(() => undefined)
      throw error
    }
  }

  function onConnectionLost(connection: ChannelModel): void {
    if (live?.connection !== connection) return
    live = null
    if (state === 'closed') return
    state = 'connecting'
    logger.warn('broker connection lost; reconnecting')
    void connectWithBackoff()
  }

  return {
    names,
    topology,
    start() {
      if (started || state === 'closed') return
      started = true
      void connectWithBackoff()
    },
    status: () => state,
    connection: () => live?.connection ?? null,
    onConnected(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    publish(exchange, routingKey, content, publishOptions) {
      const publisher = live?.publisher
      if (!publisher || state !== 'connected') {
        return Promise.reject(new Error('broker is not connected'))
      }
      return new Promise((resolve, reject) => {
        // A blocked connection (broker resource alarm) holds confirms back indefinitely.
        const timer = setTimeout(
          () => reject(new Error(`no confirm within ${confirmTimeoutMs} ms`)),
          confirmTimeoutMs,
        )
        const settle = (error?: unknown) => {
          clearTimeout(timer)
          if (error) reject(toError(error))
          else resolve()
        }
        try {
          publisher.publish(exchange, routingKey, content, publishOptions, settle)
        } catch (error) {
          settle(error)
        }
      })
    },
    close() {
      closing ??= (async () => {
        state = 'closed'
        stopping.abort()
        const current = live
        live = null
        await current?.connection.close().catch(() => undefined)
      })()
      return closing
    },
  }
}

/** Exponential backoff with equal jitter, so a fleet does not reconnect in lockstep. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
