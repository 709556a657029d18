import { createOrm, migrate, type MikroORM } from '@chatty/db'
import {
  type AccessTokenVerifier,
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

import type { AuthConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createPasswordHasher, type PasswordHasher } from './domain/passwords.js'
import { loadTokenSigner, type TokenSigner } from './domain/signing-keys.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'auth'

export interface AuthContext {
  config: AuthConfig
  orm: MikroORM
  redis: Redis
  broker: Broker
  relay: OutboxRelay
  consumer: Consumer
  passwords: PasswordHasher
  signer: TokenSigner
  verifyAccessToken: AccessTokenVerifier
  rateLimiter: RateLimiter
  clock: () => Date
  /** Starts the relay and the consumer (after the HTTP app is built). */
  start(): Promise<void>
  close(): Promise<void>
}

export interface AuthOverrides {
  orm?: MikroORM
  redis?: Redis
  clock?: () => Date
  messaging?: { retryDelaysMs?: number[]; pollIntervalMs?: number }
}

export async function createContext(
  config: AuthConfig,
  overrides: AuthOverrides = {},
): Promise<AuthContext> {
  const logger = createLogger('auth')
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
  const signer = await loadTokenSigner(orm.em.fork(), config.jwt.privateJwk, config.jwt, clock())
  const passwords = createPasswordHasher({
    cost: config.bcryptCost,
    workers: config.passwordWorkers,
  })
  let closing: Promise<void> | undefined

  const context: AuthContext = {
    config,
    orm,
    redis,
    broker,
    relay,
    consumer,
    passwords,
    signer,
    verifyAccessToken: createAccessTokenVerifier({
      keys: signer.jwks,
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
        await passwords.close()
        if (!overrides.redis) redis.disconnect()
        if (!overrides.orm) await orm.close()
      })()
      return closing
    },
  }
  return context
}
