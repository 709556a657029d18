import { createOrm, migrate, type MikroORM } from '@chatty/db'
import {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  RateLimiter,
} from '@chatty/http'
import { createLogger, type Logger } from '@chatty/logger'
import {
  type Broker,
  type Consumer,
  createBroker,
  createConsumer,
  createOutboxRelay,
  messagingNames,
  type OutboxRelay,
} from '@chatty/messaging'
import { Redis } from 'ioredis'

import type { SubscriptionConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createFeedStore, type FeedStore } from './domain/feed-store.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'subscription'

export interface SubscriptionContext {
  config: SubscriptionConfig
  orm: MikroORM
  redis: Redis
  broker: Broker
  relay: OutboxRelay
  consumer: Consumer
  feeds: FeedStore
  verifyAccessToken: AccessTokenVerifier
  rateLimiter: RateLimiter
  logger: Logger
  clock: () => Date
  /** Starts the relay and the consumer (after the HTTP app is built). */
  start(): Promise<void>
  close(): Promise<void>
}

export interface SubscriptionOverrides {
  orm?: MikroORM
  redis?: Redis
  clock?: () => Date
  /** auth's public keys; tests pass their own key set instead of fetching AUTH_JWKS_URL. */
  accessTokenKeys?: AccessTokenVerifierOptions['keys']
  messaging?: { retryDelaysMs?: number[]; pollIntervalMs?: number }
}

/** Redis fails fast when down, so requests answer 503 instead of hanging in an offline queue. */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  })
}

export async function createContext(
  config: SubscriptionConfig,
  overrides: SubscriptionOverrides = {},
): Promise<SubscriptionContext> {
  const logger = createLogger('subscription')
  const clock = overrides.clock ?? (() => new Date())
  const orm = overrides.orm ?? (await createOrm({ url: config.databaseUrl, entities, migrations }))
  if (!overrides.orm) await migrate(orm)
  const redis = overrides.redis ?? createRedis(config.redisUrl)
  const broker = createBroker({
    url: config.amqpUrl,
    names: messagingNames(config.messagingPrefix),
    logger,
    connectionName: SERVICE,
  })
  const relay = createOutboxRelay({
    orm,
    broker,
    logger,
    pollIntervalMs: overrides.messaging?.pollIntervalMs,
  })
  const consumer = createConsumer({
    broker,
    orm,
    service: SERVICE,
    logger,
    retryDelaysMs: overrides.messaging?.retryDelaysMs,
  })
  let closing: Promise<void> | undefined

  const context: SubscriptionContext = {
    config,
    orm,
    redis,
    broker,
    relay,
    consumer,
    feeds: createFeedStore(redis, config.feed),
    verifyAccessToken: createAccessTokenVerifier({
      keys: overrides.accessTokenKeys ?? new URL(config.authJwksUrl),
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      redis,
    }),
    rateLimiter: new RateLimiter(redis, { multiplier: config.rateLimitMultiplier }),
    logger,
    clock,
    start: async () => {
      registerConsumers(context)
      relay.start()
      consumer.start()
      broker.start()
    },
    close: () => {
      closing ??= (async () => {
        await consumer.close()
        await relay.close()
        await broker.close()
        if (!overrides.redis) redis.disconnect()
        if (!overrides.orm) await orm.close()
      })()
      return closing
    },
  }
  return context
}
