import { createOrm, migrate, type MikroORM } from '@chatty/db'
import { isDependencyDown } from '@chatty/domain'
import { createLogger, type Logger } from '@chatty/logger'
import {
  type Broker,
  type Consumer,
  createServiceMessaging,
  type OutboxRelay,
} from '@chatty/messaging'

import type { EmailConsumerConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createMailer, type Mailer, SmtpError } from './mailer.js'
import { entities, migrations } from './orm.js'

/** The consuming service in the messaging topology (queue `email.send`). */
export const SERVICE = 'email'
/** The producer named in the events this service publishes. */
export const PRODUCER = 'email-consumer'

export interface EmailContext {
  config: EmailConsumerConfig
  orm: MikroORM
  broker: Broker
  relay: OutboxRelay
  consumer: Consumer
  mailer: Mailer
  logger: Logger
  clock: () => Date
  /** Starts the relay, the consumer and the broker connection. */
  start(): Promise<void>
  /** Stops consuming (in-flight emails finish), flushes the outbox, then closes everything. */
  close(): Promise<void>
}

export interface EmailOverrides {
  /**
   * An ORM the caller owns (and closes). Its pool needs two connections per concurrent email:
   * the handler's transaction and the attempt/failure records that commit on their own.
   */
  orm?: MikroORM
  mailer?: Mailer
  clock?: () => Date
  messaging?: { pollIntervalMs?: number }
}

export async function createContext(
  config: EmailConsumerConfig,
  overrides: EmailOverrides = {},
): Promise<EmailContext> {
  const logger = createLogger('email')
  const clock = overrides.clock ?? (() => new Date())
  const orm =
    overrides.orm ??
    (await createOrm({
      url: config.databaseUrl,
      entities,
      migrations,
      pool: { min: 1, max: config.concurrency * 2 + 2 },
    }))
  if (!overrides.orm) await migrate(orm)
  const messaging = createServiceMessaging({
    service: SERVICE,
    connectionName: PRODUCER,
    url: config.amqpUrl,
    prefix: config.messagingPrefix,
    orm,
    logger,
    pollIntervalMs: overrides.messaging?.pollIntervalMs,
    prefetch: config.concurrency,
    retryDelaysMs: config.retryDelaysMs,
    // An SMTP outage uses up attempts and ends in a recorded failure; a database outage waits.
    isTransient: (error) => !(error instanceof SmtpError) && isDependencyDown(error),
  })
  const { broker, relay, consumer } = messaging
  const mailer =
    overrides.mailer ??
    createMailer({ smtp: config.smtp, from: config.mailFrom, maxConnections: config.concurrency })
  let closing: Promise<void> | undefined

  const context: EmailContext = {
    config,
    orm,
    broker,
    relay,
    consumer,
    mailer,
    logger,
    clock,
    start: async () => {
      registerConsumers(context)
      messaging.start()
    },
    close: () => {
      closing ??= (async () => {
        await messaging.close()
        if (!overrides.mailer) mailer.close()
        if (!overrides.orm) await orm.close()
      })()
      return closing
    },
  }
  return context
}
