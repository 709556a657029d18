import { createTransport } from 'nodemailer'
import { afterEach, describe, expect, it } from 'vitest'

import { createSmtpSink, type SmtpSink } from './smtp-sink.js'

describe('createSmtpSink', () => {
  let sink: SmtpSink | undefined

  afterEach(async () => {
    await sink?.close()
    sink = undefined
  })

  it('accepts a message and keeps it parsed', async () => {
    sink = await createSmtpSink()
    const transport = createTransport({ host: sink.host, port: sink.port, secure: false })
    await transport.sendMail({
      from: 'Chatty <no-reply@chatty.local>',
      to: 'Alice <alice@example.test>',
      bcc: 'hidden@example.test',
      subject: 'Verify your email',
      text: 'Your code is 123456',
      html: '<p>Your code is <b>123456</b></p>',
      headers: { 'X-Chatty-Template': 'verify-email' },
    })
    transport.close()

    const [message] = sink.messages()
    expect(sink.messages()).toHaveLength(1)
    expect(message).toMatchObject({
      from: { name: 'Chatty', address: 'no-reply@chatty.local' },
      to: [{ name: 'Alice', address: 'alice@example.test' }],
      envelope: {
        from: 'no-reply@chatty.local',
        to: ['alice@example.test', 'hidden@example.test'],
      },
      subject: 'Verify your email',
      text: 'Your code is 123456',
      html: '<p>Your code is <b>123456</b></p>',
    })
    expect(message?.headers['x-chatty-template']).toBe('verify-email')
    expect(message?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(message?.date).toBeInstanceOf(Date)
  })

  it('accepts any credentials, as a development mail server should', async () => {
    sink = await createSmtpSink()
    const transport = createTransport({
      host: sink.host,
      port: sink.port,
      secure: false,
      auth: { user: 'someone', pass: 'anything' },
    })
    await transport.sendMail({ from: 'a@example.test', to: 'b@example.test', text: 'hi' })
    transport.close()
    expect(sink.messages().map((message) => message.to[0]?.address)).toEqual(['b@example.test'])
  })

  it('drops the oldest messages beyond the limit, and deletes on demand', async () => {
    const seen: string[] = []
    sink = await createSmtpSink({ maxMessages: 2, onMessage: (m) => seen.push(m.subject) })
    const transport = createTransport({ host: sink.host, port: sink.port, secure: false })
    for (const subject of ['one', 'two', 'three']) {
      await transport.sendMail({ from: 'a@example.test', to: 'b@example.test', subject, text: '.' })
    }
    transport.close()

    expect(seen).toEqual(['one', 'two', 'three'])
    expect(sink.messages().map((message) => message.subject)).toEqual(['two', 'three'])
    const [two] = sink.messages()
    expect(sink.remove([two?.id as string, 'unknown'])).toBe(1)
    expect(sink.messages().map((message) => message.subject)).toEqual(['three'])
    sink.clear()
    expect(sink.messages()).toEqual([])
  })
})
