import { describe, expect, it } from 'vitest'

import { nextAttemptDelayMs } from './outbox-relay.js'

describe('nextAttemptDelayMs', () => {
  it('doubles from the base with every failed attempt, up to the cap', () => {
    const options = { retryBaseMs: 1_000, retryMaxMs: 300_000 }
    expect(
      [1, 2, 3, 4, 9, 10, 30].map((attempts) => nextAttemptDelayMs(attempts, options)),
    ).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000])
  })
})
