import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'

import { type Envelope, type MessageData, SendEmail, uuidv7 } from '@chatty/contracts'
import { createTestDatabase } from '@chatty/db/testing'
import { publishOptions, removePrefixedTopology } from '@chatty/messaging'
import { eventually, type MessageTap, tapExchange } from '@chatty/testing'
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib'

import { createApp } from '../app.js'
import { type EmailConsumerConfig, loadConfig } from '../config.js'
import { createContext, type EmailContext } from '../context.js'
import { Email, type EmailRow } from '../entities/email.entity.js'
import { createMailer, type Mailer } from '../mailer.js'
import { entities, migrations } from '../orm.js'

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

export type SendEmailData = MessageData<typeof SendEmail>

export interface EmailHarness {
  ctx: EmailContext
  app: ReturnType<typeof createApp>
  /** EmailDelivered / EmailFailed as published on this harness's events exchange. */
  events: MessageTap
  /** Publishes a SendEmail command the way a producer's relay does; returns its envelope. */
  sendEmail(
    data: Partial<SendEmailData>,
    envelope?: Partial<Envelope>,
  ): Promise<Envelope<SendEmailData>>
  /** Publishes an envelope exactly as given (to repeat one). */
  publish(envelope: Envelope<SendEmailData>): Promise<void>
  email(id: string): Promise<EmailRow | null>
  /** Every message that reached `email.send.dlq` so far. */
  deadLetters(): Promise<GetMessage[]>
  close(): Promise<void>
}

/**
 * The email consumer in-process on its own database and its own exchange and queue names,
 * delivering to `smtpPort` on 127.0.0.1.
 */
export async function startEmailConsumer(options: {
  smtpPort: number
  env?: Record<string, string>
  /** Wraps the real SMTP mailer, e.g. to hold a send back. */
  wrapMailer?: (mailer: Mailer) => Mailer
}): Promise<EmailHarness> {
  const prefix = `t${randomBytes(4).toString('hex')}.`
  const database = await createTestDatabase({ name: 'email', entities, migrations })
  const config: EmailConsumerConfig = loadConfig({
    EMAIL_DATABASE_URL: database.url,
    AMQP_URL,
    MESSAGING_PREFIX: prefix,
    SMTP_URL: `smtp://127.0.0.1:${options.smtpPort}`,
    PUBLIC_URL: 'http://chatty.test',
    // Two concurrent emails need four connections; the test database pool has five.
    EMAIL_CONCURRENCY: '2',
    EMAIL_RETRY_DELAYS_MS: '100,200',
    SMTP_CONNECTION_TIMEOUT_MS: '2000',
    ...options.env,
  })
  const mailer = createMailer({
    smtp: config.smtp,
    from: config.mailFrom,
    maxConnections: config.concurrency,
  })
  const ctx = await createContext(config, {
    orm: database.orm,
    mailer: options.wrapMailer?.(mailer) ?? mailer,
    messaging: { pollIntervalMs: 50 },
  })
  const names = ctx.messaging.broker.names
  const events = await tapExchange(AMQP_URL, names.eventsExchange, ['email.*'])
  const app = createApp(ctx)
  await ctx.start()
  await eventually(() => {
    if (ctx.messaging.broker.status() !== 'connected') throw new Error('broker not connected yet')
  }, 10_000)

  const connection: ChannelModel = await amqp.connect(AMQP_URL)
  const channel: ConfirmChannel = await connection.createConfirmChannel()
  const queue = names.queue('email.send')
  const deadLetterQueue = names.deadLetterQueue(queue)
  const deadLetters: GetMessage[] = []

  const publish = async (envelope: Envelope<SendEmailData>) => {
    channel.publish(
      names.commandsExchange,
      SendEmail.routingKey,
      Buffer.from(JSON.stringify(envelope)),
      publishOptions(envelope),
    )
    await channel.waitForConfirms()
  }

  return {
    ctx,
    app,
    events,
    async sendEmail(data, envelope = {}) {
      const full: Envelope<SendEmailData> = {
        id: uuidv7(),
        type: SendEmail.type,
        version: SendEmail.version,
        occurredAt: new Date().toISOString(),
        producer: 'auth',
        correlationId: `req-${randomBytes(4).toString('hex')}`,
        ...envelope,
        data: {
          emailId: uuidv7(),
          to: `u.${randomBytes(4).toString('hex')}@example.test`,
          userId: uuidv7(),
          template: 'welcome',
          params: { displayName: 'Ann' },
          ...data,
        },
      }
      await publish(full)
      return full
    },
    publish,
    email: (id) => ctx.orm.em.fork().findOne(Email, { id }),
    async deadLetters() {
      for (;;) {
        const message = await channel.get(deadLetterQueue, { noAck: true })
        if (!message) return [...deadLetters]
        deadLetters.push(message)
      }
    },
    async close() {
      await events.close()
      await ctx.close()
      mailer.close()
      await removePrefixedTopology(AMQP_URL, prefix, config.retryDelaysMs)
      await connection.close()
      await database.drop()
    },
  }
}

/** A port on 127.0.0.1 with nothing listening on it (until a test starts something there). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}
