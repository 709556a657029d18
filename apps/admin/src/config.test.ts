import { describe, expect, it } from 'vitest'

import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('lifts ended bans every 30 seconds by default', () => {
    const config = loadConfig({})
    expect(config.port).toBe(3004)
    expect(config.databaseUrl).toMatch(/\/chatty_admin$/)
    expect(config.banExpiryIntervalMs).toBe(30_000)
  })

  it('reads the ban expiry interval from the environment', () => {
    expect(loadConfig({ BAN_EXPIRY_INTERVAL_MS: '100' }).banExpiryIntervalMs).toBe(100)
  })

  it('refuses an interval that would spin or never run', () => {
    expect(() => loadConfig({ BAN_EXPIRY_INTERVAL_MS: '0' })).toThrow()
    expect(() => loadConfig({ BAN_EXPIRY_INTERVAL_MS: '86400000' })).toThrow()
    expect(() => loadConfig({ BAN_EXPIRY_INTERVAL_MS: 'often' })).toThrow()
  })
})
