import { once } from 'node:events'

import { UnavailableError } from '@chatty/domain'
import { type AuthUser, isBlockedBy, revocationKeys } from '@chatty/http'
import type { Logger } from '@chatty/logger'
import { Redis } from 'ioredis'

import type { StreamConfig } from '../config.js'
import { LIVE_CHANNEL_PREFIX, liveChannel, type LiveMessage } from './live-channel.js'

interface OpenStream {
  user: AuthUser
  controller: ReadableStreamDefaultController<Uint8Array>
}

/**
 * This replica's open event streams. Each user with an open stream has one subscription to their
 * Redis channel, whatever the number of their streams; two timers serve every stream: one writes
 * the heartbeat, the other reads the revocation marks of all streams in one command and ends those
 * whose session was revoked or whose user was blocked (banned, deleted, logged out everywhere).
 */
export interface LiveStreams {
  /**
   * Subscribes to the user's channel and answers their stream, which starts with the messages
   * `first` gives once subscribed. 503 when Redis cannot take the subscription.
   */
  open(
    user: AuthUser,
    first: () => Promise<LiveMessage[]>,
    signal?: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>>
  /** Whether each user's session or token is revoked now, by the marks in Redis. */
  revoked(users: readonly AuthUser[]): Promise<boolean[]>
  /** Streams open on this replica. */
  count(): number
  close(): Promise<void>
}

const encoder = new TextEncoder()

/** A message in the text/event-stream format. */
export function formatEvent(message: LiveMessage): string {
  return `event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`
}

const HEARTBEAT = encoder.encode(': heartbeat\n\n')
const SUBSCRIBER_READY_MS = 2_000

export function createLiveStreams(options: {
  redisUrl: string
  /** Where the revocation marks are read. */
  redis: Redis
  config: StreamConfig
  logger: Logger
}): LiveStreams {
  const { config, logger } = options
  const byUser = new Map<string, Set<OpenStream>>()
  let subscriber: Redis | undefined
  let heartbeat: NodeJS.Timeout | undefined
  let revocationCheck: NodeJS.Timeout | undefined
  let checking = false
  let closed = false

  function subscriberOf(): Redis {
    if (subscriber) return subscriber
    const created = new Redis(options.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    })
    created.on('error', (error: unknown) => logger.warn({ err: error }, 'live subscriber error'))
    created.on('message', (channel: string, payload: string) => {
      const streams = byUser.get(channel.slice(LIVE_CHANNEL_PREFIX.length))
      if (!streams) return
      const chunk = encoder.encode(formatEvent(JSON.parse(payload) as LiveMessage))
      for (const stream of streams) write(stream, chunk)
    })
    subscriber = created
    return created
  }

  function allStreams(): OpenStream[] {
    return [...byUser.values()].flatMap((streams) => [...streams])
  }

  function write(stream: OpenStream, chunk: Uint8Array): void {
    try {
      stream.controller.enqueue(chunk)
    } catch {
      remove(stream)
    }
  }

  function remove(stream: OpenStream): void {
    const streams = byUser.get(stream.user.id)
    if (!streams?.delete(stream)) return
    if (streams.size === 0) {
      byUser.delete(stream.user.id)
      subscriber?.unsubscribe(liveChannel(stream.user.id)).catch((error: unknown) => {
        logger.warn({ err: error }, 'cannot unsubscribe from a live channel')
      })
    }
    if (byUser.size === 0) stopTimers()
  }

  function end(stream: OpenStream): void {
    remove(stream)
    try {
      stream.controller.close()
    } catch {
      // already closed by the client
    }
  }

  async function revoked(users: readonly AuthUser[]): Promise<boolean[]> {
    if (users.length === 0) return []
    const keys = users.flatMap((user) => [
      revocationKeys.session(user.sessionId),
      revocationKeys.user(user.id),
    ])
    const marks = await options.redis.mget(...keys)
    return users.map(
      (user, index) =>
        marks[index * 2] !== null || isBlockedBy(user.issuedAt, marks[index * 2 + 1] ?? null),
    )
  }

  async function endRevokedStreams(): Promise<void> {
    if (checking) return
    checking = true
    try {
      const streams = allStreams()
      const flags = await revoked(streams.map((stream) => stream.user))
      streams.forEach((stream, index) => {
        if (flags[index]) end(stream)
      })
    } catch (error) {
      logger.warn({ err: error }, 'cannot read revocation marks for the open streams')
    } finally {
      checking = false
    }
  }

  function startTimers(): void {
    heartbeat ??= setInterval(() => {
      for (const stream of allStreams()) write(stream, HEARTBEAT)
    }, config.heartbeatMs).unref()
    revocationCheck ??= setInterval(() => {
      void endRevokedStreams()
    }, config.revocationCheckMs).unref()
  }

  function stopTimers(): void {
    clearInterval(heartbeat)
    clearInterval(revocationCheck)
    heartbeat = undefined
    revocationCheck = undefined
  }

  let connecting: Promise<unknown> | undefined

  /** Waits (once for every caller) until the subscriber connection is up, for at most 2 s. */
  function subscriberReady(client: Redis): Promise<unknown> {
    if (client.status === 'ready') return Promise.resolve()
    connecting ??= once(client, 'ready', {
      signal: AbortSignal.timeout(SUBSCRIBER_READY_MS),
    }).finally(() => {
      connecting = undefined
    })
    return connecting
  }

  async function subscribe(userId: string): Promise<void> {
    const client = subscriberOf()
    try {
      await subscriberReady(client)
      await client.subscribe(liveChannel(userId))
    } catch (error) {
      logger.warn({ err: error }, 'cannot subscribe to a live channel')
      throw new UnavailableError('Live notifications are unavailable right now.')
    }
  }

  return {
    async open(user, first, signal) {
      if (closed) throw new UnavailableError('This replica is shutting down.')
      if (!byUser.has(user.id)) await subscribe(user.id)
      let stream: OpenStream | undefined
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          stream = { user, controller }
          const streams = byUser.get(user.id) ?? new Set()
          streams.add(stream)
          byUser.set(user.id, streams)
          startTimers()
        },
        cancel() {
          if (stream) remove(stream)
        },
      })
      signal?.addEventListener('abort', () => stream && end(stream), { once: true })
      const opened = stream as OpenStream | undefined
      if (opened) {
        try {
          for (const message of await first()) write(opened, encoder.encode(formatEvent(message)))
        } catch (error) {
          end(opened)
          throw error
        }
      }
      return body
    },
    revoked,
    count: () => allStreams().length,
    async close() {
      closed = true
      stopTimers()
      for (const stream of allStreams()) end(stream)
      subscriber?.disconnect()
      subscriber = undefined
    },
  }
}
