import { describe, expect, it } from 'vitest'

import { checkWithin } from './core.js'

describe('checkWithin', () => {
  it('answers what the check answers', async () => {
    expect(await checkWithin(() => 'ok', 50)).toBe('ok')
    expect(await checkWithin(async () => 'degraded' as const, 50)).toBe('degraded')
  })

  it('counts a check that fails as down', async () => {
    expect(await checkWithin(() => Promise.reject(new Error('refused')), 50)).toBe('down')
    expect(
      await checkWithin(() => {
        throw new Error('thrown')
      }, 50),
    ).toBe('down')
  })

  it('counts a check that never answers as down once the time is up', async () => {
    const startedAt = performance.now()
    expect(await checkWithin(() => new Promise(() => undefined), 50)).toBe('down')
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(45)
  })
})
