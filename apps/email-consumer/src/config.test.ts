import { describe, expect, it } from 'vitest'

import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('has local defaults for everything', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 3005,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/chatty_email',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      publicUrl: 'http://localhost:8080',
      messagingPrefix: '',
      mailFrom: 'Chatty <no-reply@chatty.local>',
      smtp: {
        url: 'smtp://127.0.0.1:1025',
        connectionTimeoutMs: 10_000,
        greetingTimeoutMs: 10_000,
        socketTimeoutMs: 30_000,
      },
      concurrency: 4,
      retryDelaysMs: [1_000, 10_000, 60_000, 300_000],
    })
  })

  it('reads the environment', () => {
    const config = loadConfig({
      EMAIL_DATABASE_URL: 'postgres://db/chatty_email_x',
      SMTP_URL: 'smtps://user:secret@mail.example:465',
      MAIL_FROM: 'no-reply@example.com',
      PUBLIC_URL: 'https://chatty.example/',
      EMAIL_RETRY_DELAYS_MS: '100, 200',
      EMAIL_CONCURRENCY: '2',
      SMTP_SOCKET_TIMEOUT_MS: '5000',
    })
    expect(config.databaseUrl).toBe('postgres://db/chatty_email_x')
    expect(config.smtp.url).toBe('smtps://user:secret@mail.example:465')
    expect(config.smtp.socketTimeoutMs).toBe(5_000)
    expect(config.mailFrom).toBe('no-reply@example.com')
    expect(config.publicUrl).toBe('https://chatty.example')
    expect(config.retryDelaysMs).toEqual([100, 200])
    expect(config.concurrency).toBe(2)
  })

  it('refuses what cannot work', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/SMTP_URL/)
    expect(() => loadConfig({ MAIL_FROM: 'Chatty' })).toThrow(/MAIL_FROM/)
    expect(() => loadConfig({ EMAIL_RETRY_DELAYS_MS: '100,soon' })).toThrow(/EMAIL_RETRY_DELAYS_MS/)
    expect(() => loadConfig({ EMAIL_CONCURRENCY: '0' })).toThrow(/EMAIL_CONCURRENCY/)
  })
})
