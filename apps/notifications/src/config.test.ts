import { describe, expect, it } from 'vitest'

import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('defaults to a heartbeat every 25 s, a revocation check four times a second, 60 s tickets', () => {
    const config = loadConfig({})
    expect(config.port).toBe(3006)
    expect(config.databaseUrl).toMatch(/\/chatty_notifications$/)
    expect(config.stream).toEqual({
      heartbeatMs: 25_000,
      revocationCheckMs: 250,
      ticketTtlSeconds: 60,
    })
  })

  it('refuses a revocation check slower than a second, which would let a banned user listen on', () => {
    expect(() => loadConfig({ NOTIFICATIONS_REVOCATION_CHECK_MS: '5000' })).toThrow(
      /NOTIFICATIONS_REVOCATION_CHECK_MS/,
    )
  })
})
