import type { LatencySummary } from './latency.js'
import { barChart, lineChart } from './svg.js'

export interface Results {
  machine: string
  seconds: number
  ceiling: { rps: number; latency: LatencySummary; failed: number }
  feed: { rps: number; latency: LatencySummary; failed: number }
  mix: {
    rate: number
    achieved: number
    latency: LatencySummary
    byKind: Record<string, LatencySummary>
    failed: number
  }[]
  steady: {
    rate: number
    seconds: number
    feed: LatencySummary
    jwks: LatencySummary
    feedStalls: { startMs: number; lengthMs: number }[]
    jwksStalls: { startMs: number; lengthMs: number }[]
    failed: number
  }
  byFollowees: { follows: number; latency: LatencySummary }[]
  fanOut: { followers: number; sampled: number; posts: number; latency: LatencySummary }
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '–')
const rps = (value: number) => `${Math.round(value)} req/s`
const verdict = (met: boolean) => (met ? 'met' : '**missed**')

/** The rows of the issue's table: measure, result, goal, whether it is met. */
function rows(results: Results): [string, string, string, string][] {
  const { ceiling, feed, mix, steady, byFollowees, fanOut } = results
  const ratio = feed.rps / ceiling.rps
  const atGoal = mix.find((m) => m.rate === 1_000)
  const saturation = mix.filter((m) => m.achieved >= m.rate * 0.95).at(-1)
  const longestStall = steady.feedStalls[0]?.lengthMs ?? 0
  const flat = byFollowees.map((b) => b.latency.p50)
  return [
    ['in-memory route (jwks), 32 connections', rps(ceiling.rps), '— (the ceiling)', ''],
    [
      'GET /api/feed?limit=20, 32 connections',
      `${rps(feed.rps)}, p50 ${ms(feed.latency.p50)}, p99 ${ms(feed.latency.p99)} (${ratio.toFixed(2)} of the ceiling)`,
      '≥ 0.5 of the ceiling',
      verdict(ratio >= 0.5),
    ],
    [
      'mix 60/30/10, open loop',
      `keeps up to ${saturation ? rps(saturation.rate) : 'none'}; ${mix
        .map((m) => `p99 ${ms(m.latency.p99)} at ${m.rate}`)
        .join(', ')}`,
      '1 000 req/s with p99 ≤ 20 ms',
      verdict(!!atGoal && atGoal.achieved >= 950 && atGoal.latency.p99 <= 20),
    ],
    [
      `feed reads at a fixed ${steady.rate} req/s`,
      `p99 ${ms(steady.feed.p99)}, longest stall ${ms(longestStall)} (in-memory route p99 ${ms(steady.jwks.p99)})`,
      'p99 ≤ 20 ms, no stall > 50 ms',
      verdict(steady.feed.p99 <= 20 && longestStall <= 50),
    ],
    [
      `${fanOut.followers}-follower post in every follower's feed (${fanOut.sampled} sampled, ${fanOut.posts} posts)`,
      `p50 ${ms(fanOut.latency.p50)}, p99 ${ms(fanOut.latency.p99)}`,
      '≤ 1 s (p99)',
      verdict(fanOut.latency.p99 <= 1_000),
    ],
    [
      `feed p50 following ${byFollowees.map((b) => b.follows).join(' / ')}`,
      flat.map((v) => ms(v)).join(' / '),
      'flat',
      verdict(Math.max(...flat) <= 2 * Math.min(...flat) + 2),
    ],
  ]
}

function latencyRow(label: string, l: LatencySummary, extra = ''): string {
  return `| ${label} | ${l.count} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${extra} |`
}

/** The terminal table and the report's files (Markdown and SVG charts). */
export function renderReport(results: Results): { table: string; files: Record<string, string> } {
  const table = rows(results)
  const markdownTable = [
    '| Measure | Result | Goal | |',
    '|---|---|---|---|',
    ...table.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
  const terminal = table
    .map(([measure, result, , met]) => `${measure}: ${result} ${met}`)
    .join('\n')

  const mixChart = lineChart({
    title: 'Mix (60 % feed, 30 % timeline, 10 % compose): latency against offered rate',
    xLabel: 'offered rate (req/s)',
    yLabel: 'latency (ms)',
    series: (['p50', 'p90', 'p99'] as const).map((q) => ({
      name: q,
      points: results.mix.map((m) => [m.rate, m.latency[q]] as const),
    })),
    goal: { value: 20, label: 'goal p99' },
  })
  const throughputChart = barChart({
    title: 'Throughput through nginx, 32 connections',
    xLabel: 'req/s',
    bars: [
      { label: 'in-memory route (ceiling)', value: results.ceiling.rps },
      { label: 'GET /api/feed', value: results.feed.rps },
      { label: 'half the ceiling (goal)', value: results.ceiling.rps / 2 },
    ],
  })
  const achievedChart = lineChart({
    title: 'Mix: achieved against offered rate',
    xLabel: 'offered rate (req/s)',
    yLabel: 'achieved 2xx (req/s)',
    series: [
      { name: 'achieved', points: results.mix.map((m) => [m.rate, m.achieved] as const) },
      { name: 'offered', points: results.mix.map((m) => [m.rate, m.rate] as const) },
    ],
  })

  const markdown = [
    '# Benchmark report',
    '',
    `Measured through nginx by \`npm run bench\` (${results.seconds} s per measurement), on the seeded`,
    "Reed98 graph. Latency counts from each request's scheduled time (open loop), so a stall is",
    'never hidden by the generator waiting for it.',
    '',
    markdownTable,
    '',
    '![Throughput](throughput.svg)',
    '',
    '![Mix latency](mix-latency.svg)',
    '',
    '![Mix achieved](mix-achieved.svg)',
    '',
    '## Latency detail',
    '',
    '| Measure | requests | p50 | p90 | p99 | max | |',
    '|---|---|---|---|---|---|---|',
    latencyRow('in-memory route, 32 connections', results.ceiling.latency),
    latencyRow('feed, 32 connections', results.feed.latency, `${results.feed.failed} failed`),
    ...results.mix.flatMap((m) => [
      latencyRow(
        `mix at ${m.rate} req/s`,
        m.latency,
        `${rps(m.achieved)} achieved, ${m.failed} failed`,
      ),
      ...Object.entries(m.byKind).map(([kind, l]) => latencyRow(`  ${kind}`, l)),
    ]),
    latencyRow(
      `feed at ${results.steady.rate} req/s`,
      results.steady.feed,
      `${results.steady.failed} failed`,
    ),
    latencyRow(`in-memory route at ${results.steady.rate} req/s`, results.steady.jwks),
    ...results.byFollowees.map((b) => latencyRow(`feed following ${b.follows}`, b.latency)),
    latencyRow('fan-out to a sampled follower', results.fanOut.latency),
    '',
    '## Stalls at a steady rate (requests later than 50 ms, merged)',
    '',
    `feed: ${results.steady.feedStalls.map((s) => `${ms(s.lengthMs)} at ${(s.startMs / 1000).toFixed(1)} s`).join(', ') || 'none'}`,
    '',
    `in-memory route: ${results.steady.jwksStalls.map((s) => `${ms(s.lengthMs)} at ${(s.startMs / 1000).toFixed(1)} s`).join(', ') || 'none'}`,
    '',
    '## The machine',
    '',
    '```',
    results.machine,
    '```',
    '',
  ].join('\n')
  return {
    table: terminal,
    files: {
      'README.md': markdown,
      'throughput.svg': throughputChart,
      'mix-latency.svg': mixChart,
      'mix-achieved.svg': achievedChart,
    },
  }
}
