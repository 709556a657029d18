import { SendEmail, uuidv7 } from '@chatty/contracts'
import { InboxMessage, migrate } from '@chatty/db'
import { createSmtpSink, eventually, metricSamples, type SmtpSink } from '@chatty/testing'
import { afterEach, describe, expect, it } from 'vitest'

import { Migration20261202012030 } from './migrations/Migration20261202012030.js'
import { closedPort, type EmailHarness, startEmailConsumer } from './test/harness.js'

let harness: EmailHarness | undefined
let sink: SmtpSink | undefined

afterEach(async () => {
  await harness?.close()
  await sink?.close()
  harness = undefined
  sink = undefined
})

async function startWithSink() {
  sink = await createSmtpSink()
  harness = await startEmailConsumer({ smtpPort: sink.port })
  return { sink, harness }
}

describe('email consumer', () => {
  it('reports its dependencies on /health', async () => {
    const { harness } = await startWithSink()
    const res = await harness.app.request('/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      status: 'ok',
      service: 'email-consumer',
      dependencies: { database: 'ok', broker: 'ok' },
    })
  })

  it('serves metrics on its own port: the command handled, never on the health port', async () => {
    const { sink, harness } = await startWithSink()
    await harness.sendEmail({
      to: 'metrics@example.test',
      template: 'verify-email',
      params: { code: '111111', link: 'http://chatty.test/v', displayName: 'M' },
    })
    await eventually(() => expect(sink.messages()).toHaveLength(1), 10_000)

    const handled = await eventually(async () => {
      const samples = metricSamples(
        await harness.scrapeMetrics(),
        'messaging_handler_duration_seconds_count',
      )
      const sample = samples.find(({ labels }) => labels.event === 'SendEmail')
      expect(sample).toBeDefined()
      return sample
    })
    expect(handled).toEqual({
      labels: { service: 'email-consumer', event: 'SendEmail', outcome: 'ack' },
      value: 1,
    })
    expect((await harness.app.request('/metrics')).status).toBe(404)
  })

  it('delivers a SendEmail command, records it and announces EmailDelivered', async () => {
    const { sink, harness } = await startWithSink()
    const link = 'http://chatty.test/verify-email?email=ann%40example.test&code=482913'
    const command = await harness.sendEmail({
      to: 'ann@example.test',
      template: 'verify-email',
      params: { code: '482913', link, displayName: 'Ann <3' },
    })
    const { emailId } = command.data

    const mail = await eventually(() => {
      const [only, ...more] = sink.messages()
      if (!only) throw new Error('no mail yet')
      expect(more).toHaveLength(0)
      return only
    }, 10_000)
    expect(mail.from).toEqual({ name: 'Chatty', address: 'no-reply@chatty.local' })
    expect(mail.to).toEqual([{ name: '', address: 'ann@example.test' }])
    expect(mail.envelope.to).toEqual(['ann@example.test'])
    expect(mail.subject).toBe('Verify your Chatty email address')
    expect(mail.text).toContain('Hi Ann <3,')
    expect(mail.text).toContain('482913')
    expect(mail.text).toContain(link)
    expect(mail.html).toContain('Hi Ann &lt;3,')
    expect(mail.html).toMatch(/>482913<\/p>/)
    expect(mail.html).toContain(`href="${link.replaceAll('&', '&amp;')}"`)
    expect(mail.messageId).toBe(`<${emailId}@chatty.local>`)
    expect(mail.headers['x-chatty-email-id']).toBe(emailId)

    const event = await harness.events.next((m) => m.body.type === 'EmailDelivered', 10_000)
    expect(event.routingKey).toBe('email.delivered')
    expect(event.body).toMatchObject({
      producer: 'email-consumer',
      correlationId: command.correlationId,
      data: {
        emailId,
        userId: command.data.userId,
        to: 'ann@example.test',
        template: 'verify-email',
      },
    })
    expect(JSON.stringify(event.body)).not.toContain('482913')

    const row = await harness.email(emailId)
    expect(row).toMatchObject({
      id: emailId,
      to: 'ann@example.test',
      userId: command.data.userId,
      template: 'verify-email',
      status: 'delivered',
      attempts: 1,
      lastError: null,
      smtpMessageId: `<${emailId}@chatty.local>`,
      failedAt: null,
    })
    expect(row?.deliveredAt).toBeInstanceOf(Date)
    expect(harness.events.messages().some((m) => m.body.type === 'EmailFailed')).toBe(false)
  })

  it('sends one mail for a repeated command and for a repeated email id', async () => {
    sink = await createSmtpSink()
    // One at a time, so the sentinel's delivery proves the commands before it were handled.
    harness = await startEmailConsumer({ smtpPort: sink.port, env: { EMAIL_CONCURRENCY: '1' } })
    const command = await harness.sendEmail({ template: 'welcome' })
    await harness.repeat(command)
    const resent = await harness.sendEmail({ ...command.data })
    expect(resent.id).not.toBe(command.id)
    const sentinel = await harness.sendEmail({ template: 'welcome' })

    const current = sink
    await eventually(() => {
      expect(current.messages().map((m) => m.envelope.to[0])).toContain(sentinel.data.to)
    }, 10_000)
    const mails = current.messages().map((m) => m.envelope.to[0])
    expect(mails.filter((to) => to === command.data.to)).toHaveLength(1)
    expect(mails).toHaveLength(2)
    expect(await harness.email(command.data.emailId)).toMatchObject({
      status: 'delivered',
      attempts: 1,
    })
    const current2 = harness
    await eventually(() => {
      const delivered = current2.events
        .messages()
        .filter(
          (m) => m.body.type === 'EmailDelivered' && m.body.data.emailId === command.data.emailId,
        )
      expect(delivered).toHaveLength(1)
    })
  })

  it('retries while SMTP is down, then records the failure, announces it and dead-letters', async () => {
    harness = await startEmailConsumer({ smtpPort: await closedPort() })
    const command = await harness.sendEmail({
      template: 'password-reset',
      params: { link: 'http://chatty.test/reset-password?token=secret-token' },
    })
    const { emailId } = command.data

    const event = await harness.events.next(
      (m) => m.body.type === 'EmailFailed' && m.body.data.emailId === emailId,
      10_000,
    )
    expect(event.routingKey).toBe('email.failed')
    expect(event.body).toMatchObject({
      producer: 'email-consumer',
      correlationId: command.correlationId,
      data: { emailId, to: command.data.to, template: 'password-reset' },
    })
    expect(event.body.data.reason).toMatch(/ECONNREFUSED|connect/i)
    expect(JSON.stringify(event.body)).not.toContain('secret-token')

    const current = harness
    const [dead] = await eventually(async () => {
      const letters = await current.deadLetters()
      expect(letters).toHaveLength(1)
      return letters
    }, 10_000)
    expect(dead?.properties.messageId).toBe(command.id)
    expect(dead?.properties.headers).toMatchObject({
      'x-dead-letter-reason': 'handler-failed',
      'x-retry-count': 2,
    })
    expect(JSON.parse(dead?.content.toString('utf8') ?? '{}')).toEqual(command)

    const row = await harness.email(emailId)
    expect(row).toMatchObject({ status: 'failed', attempts: 3, deliveredAt: null })
    expect(row?.lastError).toMatch(/ECONNREFUSED|connect/i)
    expect(row?.failedAt).toBeInstanceOf(Date)
    const failures = harness.events.messages().filter((m) => m.body.type === 'EmailFailed')
    expect(failures).toHaveLength(1)
  })

  it('delivers once when SMTP comes back within the retry window', async () => {
    const port = await closedPort()
    harness = await startEmailConsumer({
      smtpPort: port,
      env: { EMAIL_RETRY_DELAYS_MS: '300,1000,3000' },
    })
    const command = await harness.sendEmail({ template: 'welcome' })
    const { emailId } = command.data
    const current = harness
    await eventually(async () => {
      const row = await current.email(emailId)
      expect(row?.lastError).toMatch(/ECONNREFUSED|connect/i)
    }, 10_000)

    sink = await createSmtpSink({ port })
    const mailbox = sink
    await eventually(() => expect(mailbox.messages()).toHaveLength(1), 10_000)
    expect(mailbox.messages()[0]?.envelope.to).toEqual([command.data.to])
    await harness.events.next(
      (m) => m.body.type === 'EmailDelivered' && m.body.data.emailId === emailId,
      10_000,
    )
    const row = await harness.email(emailId)
    expect(row?.status).toBe('delivered')
    expect(row?.attempts).toBeGreaterThanOrEqual(2)
    expect(harness.events.messages().some((m) => m.body.type === 'EmailFailed')).toBe(false)
    expect(await harness.deadLetters()).toHaveLength(0)
  })

  it('records a command it cannot render as failed without contacting SMTP, and dead-letters it', async () => {
    const { sink, harness } = await startWithSink()
    const command = await harness.sendEmail({ template: 'account-banned', params: {} })
    const { emailId } = command.data

    const event = await harness.events.next(
      (m) => m.body.type === 'EmailFailed' && m.body.data.emailId === emailId,
      10_000,
    )
    expect(event.body.data.reason).toBe('account-banned needs the params reason')
    const current = harness
    await eventually(async () => expect(await current.deadLetters()).toHaveLength(1), 10_000)
    expect(await harness.email(emailId)).toMatchObject({
      status: 'failed',
      lastError: 'account-banned needs the params reason',
    })
    expect(sink.messages()).toHaveLength(0)
    expect(harness.events.messages().filter((m) => m.body.type === 'EmailFailed')).toHaveLength(1)
  })

  it('finishes the email in flight and publishes its event when closed', async () => {
    sink = await createSmtpSink()
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    let sending = false
    harness = await startEmailConsumer({
      smtpPort: sink.port,
      wrapMailer: (mailer) => ({
        send: async (email) => {
          sending = true
          const sent = await mailer.send(email)
          await held
          return sent
        },
        close: () => mailer.close(),
      }),
    })
    const command = await harness.sendEmail({ template: 'welcome' })
    await eventually(() => expect(sending).toBe(true), 10_000)

    const closed = harness.ctx.close()
    release()
    await closed
    expect(await harness.email(command.data.emailId)).toMatchObject({ status: 'delivered' })
    await harness.events.next(
      (m) => m.body.type === 'EmailDelivered' && m.body.data.emailId === command.data.emailId,
    )
    expect(sink.messages()).toHaveLength(1)
  })

  it('still knows a command handled under its old name once the migrations have run', async () => {
    sink = await createSmtpSink()
    // One at a time, so the sentinel's delivery proves the command before it was handled.
    harness = await startEmailConsumer({ smtpPort: sink.port, env: { EMAIL_CONCURRENCY: '1' } })
    const { orm } = harness.ctx
    // Back to the schema before the rename, with a command the service handled as `email`.
    await orm.migrator.down({ to: Migration20261202012030.name })
    const handled = uuidv7()
    await orm.em.fork().insert(InboxMessage, {
      consumer: 'email',
      messageId: handled,
      type: SendEmail.type,
      processedAt: new Date(),
    })
    await migrate(orm)

    const redelivered = await harness.sendEmail({ template: 'welcome' }, { id: handled })
    const sentinel = await harness.sendEmail({ template: 'welcome' })
    const current = sink
    await eventually(() => {
      expect(current.messages().map((m) => m.envelope.to[0])).toContain(sentinel.data.to)
    }, 10_000)
    expect(current.messages().map((m) => m.envelope.to[0])).not.toContain(redelivered.data.to)
    expect(await harness.email(redelivered.data.emailId)).toBeNull()
  })
})
