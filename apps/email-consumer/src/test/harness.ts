import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'

import { type Envelope, type MessageData, SendEmail, uuidv7 } from '@chatty/contracts'
import { type ServiceHarness, startServiceHarness, TEST_AMQP_URL } from '@chatty/service/testing'
import amqp, { type GetMessage } from 'amqplib'

import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { createContext, type EmailContext } from '../context.js'
import { Email, type EmailRow } from '../entities/email.entity.js'
import { createMailer, type Mailer } from '../mailer.js'
import { entities, migrations } from '../orm.js'
import { SERVICE } from '../service.js'

export type SendEmailData = MessageData<typeof SendEmail>

export interface EmailHarness extends ServiceHarness<EmailContext, ReturnType<typeof createApp>> {
  /** Publishes a SendEmail command the way a producer's relay does; returns its envelope. */
  sendEmail(
    data: Partial<SendEmailData>,
    envelope?: Partial<Omit<Envelope, 'data'>>,
  ): Promise<Envelope<SendEmailData>>
  /** Publishes a command envelope again, exactly as it was sent. */
  repeat(envelope: Envelope<SendEmailData>): Promise<void>
  email(id: string): Promise<EmailRow | null>
  /** Every message that reached `email.send.dlq` so far. */
  deadLetters(): Promise<GetMessage[]>
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
  const env = {
    SMTP_URL: `smtp://127.0.0.1:${options.smtpPort}`,
    PUBLIC_URL: 'http://chatty.test',
    // Two concurrent emails need four connections; the test database pool has five.
    EMAIL_CONCURRENCY: '2',
    EMAIL_RETRY_DELAYS_MS: '100,200',
    SMTP_CONNECTION_TIMEOUT_MS: '2000',
    ...options.env,
  }
  let wrapped: Mailer | undefined
  const harness = await startServiceHarness({
    service: SERVICE,
    entities,
    migrations,
    loadConfig,
    createApp,
    createContext: (config, overrides) => {
      if (!options.wrapMailer) return createContext(config, overrides)
      const mailer = createMailer({
        smtp: config.smtp,
        from: config.mailFrom,
        maxConnections: config.concurrency,
      })
      wrapped = options.wrapMailer(mailer)
      return createContext(config, { ...overrides, mailer: wrapped })
    },
    env,
    // The retry waits are what some tests are about, so they come from the environment here.
    retryDelaysMs: loadConfig(env).retryDelaysMs,
  })
  const { ctx } = harness

  const names = ctx.messaging.broker.names
  const connection = await amqp.connect(TEST_AMQP_URL)
  const channel = await connection.createChannel()
  harness.onClose(() => connection.close())
  const deadLetterQueue = names.deadLetterQueue(names.queue(SERVICE.queue))
  const deadLetters: GetMessage[] = []

  const repeat = async (envelope: Envelope<SendEmailData>) => {
    const { id, producer, correlationId, occurredAt } = envelope
    await harness.publish(SendEmail, envelope.data, {
      id,
      producer,
      correlationId,
      occurredAt: new Date(occurredAt),
    })
  }

  return {
    ...harness,
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
      await repeat(full)
      return full
    },
    repeat,
    email: (id) => ctx.orm.em.fork().findOne(Email, { id }),
    async deadLetters() {
      for (;;) {
        const message = await channel.get(deadLetterQueue, { noAck: true })
        if (!message) return [...deadLetters]
        deadLetters.push(message)
      }
    },
    close: async () => {
      await harness.close()
      wrapped?.close()
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
