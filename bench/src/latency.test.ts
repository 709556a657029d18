import { describe, expect, it } from 'vitest'

import { quantile, stalls, summarise } from './latency.js'

describe('latency summaries', () => {
  it('reads percentiles by nearest rank', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i + 1)
    expect(quantile(values, 0.5)).toBe(50)
    expect(quantile(values, 0.99)).toBe(99)
    expect(quantile(values, 1)).toBe(100)
    expect(summarise(values)).toMatchObject({ count: 100, p50: 50, p99: 99, max: 100, mean: 50.5 })
  })

  it('summarises nothing as not-a-number rather than zero', () => {
    expect(summarise(new Float64Array()).p99).toBeNaN()
  })

  it('merges overlapping late requests into one stall and orders stalls by length', () => {
    const found = stalls(
      [
        { scheduledAt: 0, latencyMs: 5 },
        { scheduledAt: 100, latencyMs: 80 },
        { scheduledAt: 150, latencyMs: 60 },
        { scheduledAt: 1_000, latencyMs: 300 },
      ],
      50,
    )
    expect(found).toEqual([
      { startMs: 1_000, lengthMs: 300 },
      { startMs: 100, lengthMs: 110 },
    ])
  })
})
