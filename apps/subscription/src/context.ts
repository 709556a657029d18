import { createOrm, migrate, type MikroORM } from '@chatty/db'
import {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  createRedis,
  isDependencyDown,
  RateLimiter,
} from '@chatty/http'
import { createLogger, type Logger } from '@chatty/logger'
import {
  type Broker,
  type Consumer,
  createServiceMessaging,
  type OutboxRelay,
} from '@chatty/messaging'
import type { Redis } from 'ioredis'

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

export async function createContext(
  config: SubscriptionConfig,
  overrides: SubscriptionOverrides = {},
): Promise<SubscriptionContext> {
  const logger = createLogger('subscription')
  const clock = overrides.clock ?? (() => new Date())
  const orm = overrides.orm ?? (await createOrm({ url: config.databaseUrl, entities, migrations }))
  if (!overrides.orm) await migrate(orm)
  const redis = overrides.redis ?? createRedis(config.redisUrl)
  const messaging = createServiceMessaging({
    service: SERVICE,
    url: config.amqpUrl,
    prefix: config.messagingPrefix,
    orm,
    logger,
    pollIntervalMs: overrides.messaging?.pollIntervalMs,
    retryDelaysMs: overrides.messaging?.retryDelaysMs,
    isTransient: isDependencyDown,
  })
  const { broker, relay, consumer } = messaging
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
      messaging.start()
    },
    close: () => {
      closing ??= (async () => {
        await messaging.close()
        if (!overrides.redis) redis.disconnect()
        if (!overrides.orm) await orm.close()
      })()
      return closing
    },
  }
  return context
}
