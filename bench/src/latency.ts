/** Latencies of one measurement, in milliseconds, and what they summarise to. */
export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
  mean: number
}

/** The value at quantile `q` (0–1) of ascending `sorted`, nearest-rank; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(q * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!
}

export function summarise(latencies: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latencies).sort()
  let sum = 0
  for (const value of sorted) sum += value
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  }
}

/**
 * The longest stretches in which responses were late: any request whose latency exceeds
 * `thresholdMs` counts as a stall of that length; overlapping ones merge. Ordered by length.
 */
export function stalls(
  samples: readonly { scheduledAt: number; latencyMs: number }[],
  thresholdMs: number,
): { startMs: number; lengthMs: number }[] {
  const late = samples
    .filter((sample) => sample.latencyMs > thresholdMs)
    .map((sample) => ({ start: sample.scheduledAt, end: sample.scheduledAt + sample.latencyMs }))
    .sort((a, b) => a.start - b.start)
  const merged: { start: number; end: number }[] = []
  for (const span of late) {
    const last = merged.at(-1)
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end)
    else merged.push({ ...span })
  }
  return merged
    .map((span) => ({ startMs: span.start, lengthMs: span.end - span.start }))
    .sort((a, b) => b.lengthMs - a.lengthMs)
}
