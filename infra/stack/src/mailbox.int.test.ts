import { createTransport } from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type Mailbox, startMailbox } from './mailbox.js'

describe('dev mailbox (Mailpit-compatible API)', () => {
  let mailbox: Mailbox
  let base: string
  const logged: string[] = []

  beforeAll(async () => {
    mailbox = await startMailbox({ smtpPort: 0, httpPort: 0, log: (line) => logged.push(line) })
    base = `http://127.0.0.1:${mailbox.httpPort}`
    const transport = createTransport({ host: '127.0.0.1', port: mailbox.smtpPort, secure: false })
    for (const [to, subject] of [
      ['alice@example.test', 'Verify your email'],
      ['Bob <bob@example.test>', 'Reset your password'],
      ['alice@example.test', 'Welcome to Chatty'],
    ]) {
      await transport.sendMail({
        from: 'Chatty <no-reply@chatty.local>',
        to,
        subject,
        text: `Hello,\n\n${subject}: https://chatty.local/x?code=123456`,
        html: `<p>${subject}</p>`,
      })
    }
    transport.close()
  })

  afterAll(async () => {
    await mailbox.close()
  })

  it('lists messages newest first in the Mailpit shape', async () => {
    const response = await fetch(`${base}/api/v1/messages`)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await response.json()) as {
      total: number
      count: number
      messages: {
        ID: string
        From: unknown
        To: unknown
        Subject: string
        Created: string
        Snippet: string
      }[]
    }
    expect(body.total).toBe(3)
    expect(body.count).toBe(3)
    expect(body.messages.map((m) => m.Subject)).toEqual([
      'Welcome to Chatty',
      'Reset your password',
      'Verify your email',
    ])
    expect(body.messages[1]).toMatchObject({
      From: { Name: 'Chatty', Address: 'no-reply@chatty.local' },
      To: [{ Name: 'Bob', Address: 'bob@example.test' }],
      Snippet: 'Hello, Reset your password: https://chatty.local/x?code=123456',
    })
    expect(Number.isNaN(Date.parse(body.messages[0]?.Created ?? ''))).toBe(false)
    expect(logged).toContain('mail to bob@example.test: "Reset your password"')
  })

  it('returns one message with its text and HTML, and "latest"', async () => {
    const list = (await (await fetch(`${base}/api/v1/messages`)).json()) as {
      messages: { ID: string }[]
    }
    const id = list.messages[2]?.ID as string
    const message = (await (await fetch(`${base}/api/v1/message/${id}`)).json()) as Record<
      string,
      unknown
    >
    expect(message).toMatchObject({
      ID: id,
      Subject: 'Verify your email',
      To: [{ Name: '', Address: 'alice@example.test' }],
      Text: 'Hello,\n\nVerify your email: https://chatty.local/x?code=123456',
      HTML: '<p>Verify your email</p>',
    })
    expect(typeof message.Date).toBe('string')
    const latest = (await (await fetch(`${base}/api/v1/message/latest`)).json()) as {
      Subject: string
    }
    expect(latest.Subject).toBe('Welcome to Chatty')
    expect((await fetch(`${base}/api/v1/message/nope`)).status).toBe(404)
  })

  it('searches by recipient like Mailpit', async () => {
    const query = encodeURIComponent('to:alice@example.test')
    const body = (await (await fetch(`${base}/api/v1/search?query=${query}`)).json()) as {
      total: number
      messages: { Subject: string }[]
    }
    expect(body.total).toBe(2)
    expect(body.messages.map((m) => m.Subject)).toEqual(['Welcome to Chatty', 'Verify your email'])
  })

  it('serves an HTML page listing the mail', async () => {
    const response = await fetch(base)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toContain('Reset your password')
  })

  it('deletes chosen messages, then all', async () => {
    const list = (await (await fetch(`${base}/api/v1/messages`)).json()) as {
      messages: { ID: string }[]
    }
    const first = list.messages[0]?.ID as string
    await fetch(`${base}/api/v1/messages`, {
      method: 'DELETE',
      body: JSON.stringify({ IDs: [first] }),
    })
    const after = (await (await fetch(`${base}/api/v1/messages`)).json()) as { total: number }
    expect(after.total).toBe(2)
    expect((await fetch(`${base}/api/v1/messages`, { method: 'DELETE' })).status).toBe(200)
    const empty = (await (await fetch(`${base}/api/v1/messages`)).json()) as { total: number }
    expect(empty.total).toBe(0)
  })
})
