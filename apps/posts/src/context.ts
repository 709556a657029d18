import { createOrm, migrate, type MikroORM } from '@chatty/db'
import {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
  createRedis,
  isDependencyDown,
  RateLimiter,
} from '@chatty/http'
import { createLogger } from '@chatty/logger'
import {
  type Broker,
  type Consumer,
  createServiceMessaging,
  type OutboxRelay,
} from '@chatty/messaging'
import type { Redis } from 'ioredis'

import type { PostsConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'posts'

export interface PostsContext {
  config: PostsConfig
  orm: MikroORM
  redis: Redis
  broker: Broker
  relay: OutboxRelay
  consumer: Consumer
  verifyAccessToken: AccessTokenVerifier
  rateLimiter: RateLimiter
  clock: () => Date
  /** Starts the relay and the consumer (after the HTTP app is built). */
  start(): Promise<void>
  close(): Promise<void>
}

export interface PostsOverrides {
  orm?: MikroORM
  redis?: Redis
  clock?: () => Date
  /** auth's public keys, instead of fetching them from `config.authJwksUrl`. */
  tokenKeys?: AccessTokenVerifierOptions['keys']
  messaging?: { retryDelaysMs?: number[]; pollIntervalMs?: number; prefetch?: number }
}

export async function createContext(
  config: PostsConfig,
  overrides: PostsOverrides = {},
): Promise<PostsContext> {
  const logger = createLogger('posts')
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
    prefetch: overrides.messaging?.prefetch,
    retryDelaysMs: overrides.messaging?.retryDelaysMs,
    isTransient: isDependencyDown,
  })
  const { broker, relay, consumer } = messaging
  let closing: Promise<void> | undefined

  const context: PostsContext = {
    config,
    orm,
    redis,
    broker,
    relay,
    consumer,
    verifyAccessToken: createAccessTokenVerifier({
      keys: overrides.tokenKeys ?? new URL(config.authJwksUrl),
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      redis,
    }),
    rateLimiter: new RateLimiter(redis, { multiplier: config.rateLimitMultiplier }),
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
