import { createOrm, migrate, type MikroORM } from '@chatty/db'
import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  createRedis,
  isDependencyDown,
} from '@chatty/http'
import { createLogger } from '@chatty/logger'
import {
  type Broker,
  type Consumer,
  createServiceMessaging,
  type OutboxRelay,
} from '@chatty/messaging'
import type { Redis } from 'ioredis'
import type { JSONWebKeySet } from 'jose'

import type { AdminConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { runBanExpiry } from './domain/ban-expiry.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'admin'

export interface AdminContext {
  config: AdminConfig
  orm: MikroORM
  redis: Redis
  broker: Broker
  relay: OutboxRelay
  consumer: Consumer
  verifyAccessToken: AccessTokenVerifier
  clock: () => Date
  /** Starts the relay, the consumer and the ban expiry job (after the HTTP app is built). */
  start(): Promise<void>
  close(): Promise<void>
}

export interface AdminOverrides {
  orm?: MikroORM
  redis?: Redis
  clock?: () => Date
  /** auth's public keys given directly instead of fetched from AUTH_JWKS_URL. */
  tokenKeys?: JSONWebKeySet
  messaging?: { retryDelaysMs?: number[]; pollIntervalMs?: number }
}

export async function createContext(
  config: AdminConfig,
  overrides: AdminOverrides = {},
): Promise<AdminContext> {
  const logger = createLogger('admin')
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
  const stopping = new AbortController()
  let expiring: Promise<void> | undefined
  let closing: Promise<void> | undefined

  const context: AdminContext = {
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
    clock,
    start: async () => {
      registerConsumers(context)
      messaging.start()
      expiring ??= runBanExpiry({
        orm,
        clock,
        intervalMs: config.banExpiryIntervalMs,
        signal: stopping.signal,
      })
    },
    close: () => {
      closing ??= (async () => {
        stopping.abort()
        // A pass in flight commits its UserUnbanned rows before the relay's last flush.
        await expiring
        await messaging.close()
        if (!overrides.redis) redis.disconnect()
        if (!overrides.orm) await orm.close()
      })()
      return closing
    },
  }
  return context
}
