import type { ServiceBaseConfig } from '@chatty/config'
import { createOrm, type EntityLike, migrate, type MigrationClassList } from '@chatty/db'
import { isDependencyDown } from '@chatty/domain'
import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  createRedis,
  type DependencyState,
  RateLimiter,
} from '@chatty/http'
import { createLogger, type Logger } from '@chatty/logger'
import {
  type Broker,
  type Consumer,
  createServiceMessaging,
  type OutboxRelay,
  type ServiceMessaging,
} from '@chatty/messaging'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { Redis } from 'ioredis'
import type { JSONWebKeySet } from 'jose'

/** What tests swap in a service's context. */
export interface ServiceOverrides {
  orm?: MikroORM
  redis?: Redis
  clock?: () => Date
  /** auth's public keys given directly, instead of fetched from AUTH_JWKS_URL. */
  tokenKeys?: JSONWebKeySet
  messaging?: { retryDelaysMs?: readonly number[]; pollIntervalMs?: number; prefetch?: number }
}

/** The clients every HTTP service starts from; a service's context adds its own parts. */
export interface ServiceFoundation {
  logger: Logger
  clock: () => Date
  orm: MikroORM
  redis: Redis
  messaging: ServiceMessaging
  broker: Broker
  relay: OutboxRelay
  consumer: Consumer
  verifyAccessToken: AccessTokenVerifier
  rateLimiter: RateLimiter
  /** The state of PostgreSQL, Redis and RabbitMQ, for /health and /ready. */
  checkDependencies(): Promise<Record<string, DependencyState>>
  /** Messaging first (in-flight messages finish, the outbox flushes), then Redis and the database. */
  close(): Promise<void>
}

export interface FoundationOptions {
  /** The service's name in the topology and the logs. */
  service: string
  entities: readonly EntityLike[]
  migrations: MigrationClassList
  overrides?: ServiceOverrides
  /** auth verifies with its own keys; everyone else fetches them from auth. */
  tokenKeys?: (orm: MikroORM) => Promise<JSONWebKeySet>
}

/**
 * Connects a service to its database (migrated), Redis and the broker, and builds the access
 * token verifier and rate limiter, the way every service needs them. Nothing runs until the
 * service calls `messaging.start()`.
 */
export async function createServiceFoundation(
  config: ServiceBaseConfig,
  options: FoundationOptions,
): Promise<ServiceFoundation> {
  const { service, overrides = {} } = options
  const logger = createLogger(service)
  const orm =
    overrides.orm ??
    (await createOrm({
      url: config.databaseUrl,
      entities: options.entities,
      migrations: options.migrations,
    }))
  if (!overrides.orm) await migrate(orm)
  const redis = overrides.redis ?? createRedis(config.redisUrl)
  const messaging = createServiceMessaging({
    service,
    url: config.amqpUrl,
    prefix: config.messagingPrefix,
    orm,
    logger,
    pollIntervalMs: overrides.messaging?.pollIntervalMs,
    prefetch: overrides.messaging?.prefetch,
    retryDelaysMs: overrides.messaging?.retryDelaysMs,
    isTransient: isDependencyDown,
  })
  const keys =
    overrides.tokenKeys ??
    (options.tokenKeys ? await options.tokenKeys(orm) : new URL(config.authJwksUrl))
  let closing: Promise<void> | undefined
  return {
    logger,
    clock: overrides.clock ?? (() => new Date()),
    orm,
    redis,
    messaging,
    broker: messaging.broker,
    relay: messaging.relay,
    consumer: messaging.consumer,
    verifyAccessToken: createAccessTokenVerifier({
      keys,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      redis,
    }),
    rateLimiter: new RateLimiter(redis, { multiplier: config.rateLimitMultiplier }),
    checkDependencies: async () => ({
      database: (await orm.isConnected()) ? 'ok' : 'down',
      redis: redis.status === 'ready' ? 'ok' : 'down',
      broker: messaging.broker.status() === 'connected' ? 'ok' : 'degraded',
    }),
    close: () => {
      closing ??= (async () => {
        await messaging.close()
        if (!overrides.redis) redis.disconnect()
        if (!overrides.orm) await orm.close()
      })()
      return closing
    },
  }
}
