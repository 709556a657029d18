import { describe, expect, it } from 'vitest'

import { backoffMs } from './broker.js'

describe('backoffMs', () => {
  it('doubles from the initial delay, with jitter in the upper half', () => {
    for (let i = 0; i < 100; i += 1) {
      const delay = backoffMs(3, 100, 60_000)
      expect(delay).toBeGreaterThanOrEqual(400)
      expect(delay).toBeLessThanOrEqual(800)
    }
  })

  it('never exceeds the maximum', () => {
    for (let i = 0; i < 100; i += 1) expect(backoffMs(1_000, 100, 5_000)).toBeLessThanOrEqual(5_000)
  })
})
