import { describe, expect, it } from 'vitest'

import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('defaults to the feed parameters of DESIGN §6', () => {
    const config = loadConfig({})
    expect(config.port).toBe(3003)
    expect(config.databaseUrl).toMatch(/\/chatty_subscription$/)
    expect(config.feed).toEqual({
      maxEntries: 800,
      fanoutMaxFollowers: 10_000,
      inactiveDays: 30,
      fanoutBatchSize: 500,
      postCacheTtlSeconds: 3_600,
    })
    expect(config.requireVerifiedEmail).toBe(true)
  })

  it('reads the feed parameters from the environment', () => {
    const config = loadConfig({
      FEED_MAX_ENTRIES: '100',
      FEED_FANOUT_MAX_FOLLOWERS: '1',
      FEED_INACTIVE_DAYS: '7',
    })
    expect(config.feed).toMatchObject({ maxEntries: 100, fanoutMaxFollowers: 1, inactiveDays: 7 })
  })

  it('walks removals 1 000 followers a batch, looking four times a second when idle', () => {
    expect(loadConfig({}).feedRemovals).toEqual({ batchSize: 1_000, pollMs: 250, pauseMs: 0 })
    expect(
      loadConfig({ FEED_REMOVAL_BATCH_SIZE: '50', FEED_REMOVAL_PAUSE_MS: '10' }).feedRemovals,
    ).toMatchObject({ batchSize: 50, pauseMs: 10 })
  })

  it('refuses values that make no sense', () => {
    expect(() => loadConfig({ FEED_MAX_ENTRIES: '0' })).toThrow()
    expect(() => loadConfig({ FEED_INACTIVE_DAYS: 'soon' })).toThrow()
  })
})
