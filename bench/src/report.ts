import type { Breakdown } from './breakdown.js'
import type { LatencySummary } from './latency.js'
import type { SeedRecord } from './seed.js'
import { barChart, lineChart } from './svg.js'

export interface Results {
  machine: string
  /** The seeded graph: its edge file, and the accounts and follows it made. */
  graph: {
    file: string
    accounts: number
    follows: number
    celebrityFans: number
    starFans: number
  }
  seconds: number
  ceiling: { rps: number; latency: LatencySummary; failed: number }
  feed: { rps: number; latency: LatencySummary; failed: number }
  timeline: { rps: number; latency: LatencySummary; failed: number }
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
  /** Posts at a fixed rate by authors with few, as many as pushed, and more followers (the star). */
  authorCost: {
    username: string
    followers: number
    latency: LatencySummary
    /** CPU of the whole machine but the generator, until the services had settled, per post. */
    cpuMsPerPost: number
    failed: number
  }[]
  /** Feed reads by sampled followers of the star, whose reads merge its timeline. */
  starFollowerFeed: { latency: LatencySummary; failed: number }
  breakdowns: Breakdown[]
  /** What `npm run seed` measured, when it kept a record. */
  seed: SeedRecord | undefined
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '–')
const rps = (value: number) => `${Math.round(value)} req/s`
const verdict = (met: boolean) => (met ? 'met' : '**missed**')

/** The rows of the issue's table: measure, result, goal, whether it is met. */
function rows(results: Results): [string, string, string, string][] {
  const { ceiling, feed, mix, steady, byFollowees, fanOut, authorCost, starFollowerFeed } = results
  const ratio = feed.rps / ceiling.rps
  const atGoal = mix.find((m) => m.rate === 1_000)
  const saturation = mix.filter((m) => m.achieved >= m.rate * 0.95 && m.failed === 0).at(-1)
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
      verdict(
        !!atGoal && atGoal.achieved >= 950 && atGoal.failed === 0 && atGoal.latency.p99 <= 20,
      ),
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
      `a post's cost to its author with ${authorCost.map((a) => a.followers).join(' / ')} followers (2 posts/s)`,
      `p50 ${authorCost.map((a) => ms(a.latency.p50)).join(' / ')}; CPU per post ${authorCost
        .map((a) => ms(a.cpuMsPerPost))
        .join(' / ')}`,
      'the most-followed no more than the least',
      verdict(costsNoMore(authorCost[0]!, authorCost.at(-1)!)),
    ],
    [
      "feed reads by the most-followed author's followers, 100 req/s",
      `p50 ${ms(starFollowerFeed.latency.p50)}, p99 ${ms(starFollowerFeed.latency.p99)}`,
      'p99 ≤ 20 ms',
      verdict(starFollowerFeed.latency.p99 <= 20 && starFollowerFeed.failed === 0),
    ],
    [
      `feed p50 following ${byFollowees.map((b) => b.follows).join(' / ')}`,
      flat.map((v) => ms(v)).join(' / '),
      'flat',
      verdict(Math.max(...flat) <= 2 * Math.min(...flat) + 2),
    ],
    ...seedRows(results.seed),
  ]
}

/** CPU of the whole machine per item of a seed phase, in milliseconds. */
function cpuPerItem(phase: Breakdown): number {
  return (phase.cpu.reduce((sum, entry) => sum + entry.seconds, 0) * 1000) / phase.requests
}

/** The table's seeding row: how long the seed took, its CPU per item, against two minutes. */
export function seedRows(seed: SeedRecord | undefined): [string, string, string, string][] {
  if (!seed) return []
  const { accounts, follows, posts } = seed.counts
  return [
    [
      `seeding the graph through the API (${accounts} accounts, ${follows} follows, ${posts} posts)`,
      `${seed.settledSeconds.toFixed(0)} s until every consumer had caught up; CPU ${seed.phases
        .map((phase) => `per ${phase.label.replace(/^an? /, '')} ${ms(cpuPerItem(phase))}`)
        .join(', ')}`,
      'under 2 minutes',
      verdict(seed.settledSeconds <= 120),
    ],
  ]
}

/** The seed's section: its pace and where each phase's CPU went. */
function seedSection(seed: SeedRecord | undefined): string {
  if (!seed) {
    return 'The seed kept no record (it was made before seeds kept one); `npm run seed` makes one.'
  }
  const { counts } = seed
  return [
    `\`npm run seed\` finished at ${seed.finishedAt}: ${counts.accounts} accounts in ${counts.seconds.accounts.toFixed(0)} s,`,
    `${counts.follows} follows in ${counts.seconds.follows.toFixed(0)} s and ${counts.posts} posts in ${counts.seconds.posts.toFixed(0)} s of requests, each`,
    'phase followed by the wait until every consumer had caught up; all of it took',
    `${seed.settledSeconds.toFixed(0)} s. The CPU of each phase counts its requests and all the work their events`,
    'set off in every service.',
    ...(counts.relogins
      ? [
          `Accounts whose access token had expired since the accounts phase logged in again (${counts.relogins.follows}`,
          `while following, ${counts.relogins.posts} while posting), and those phases' CPU includes those logins.`,
        ]
      : []),
    '',
    breakdownTables(seed.phases, 'item'),
  ].join('\n')
}

/**
 * Whether a post by `most` (followers) cost its author no more than one by `least`: its latency
 * and the machine's CPU per post within a quarter of the other's, give or take the noise of a
 * shared machine (2 ms, 1 ms of CPU).
 */
function costsNoMore(
  least: Results['authorCost'][number],
  most: Results['authorCost'][number],
): boolean {
  return (
    most.failed === 0 &&
    most.latency.p50 <= least.latency.p50 * 1.25 + 2 &&
    most.cpuMsPerPost <= least.cpuMsPerPost * 1.25 + 1
  )
}

/** The services' default FEED_FANOUT_MAX_FOLLOWERS, which the bench profile keeps. */
const FANOUT_MAX_FOLLOWERS = 10_000

/** What the author-cost rows show, and why they stand for an author with a million followers. */
function starNote(results: Results): string {
  const [least, pushed, star] = results.authorCost
  if (!least || !pushed || !star) return ''
  if (star.followers <= FANOUT_MAX_FOLLOWERS) {
    return [
      `${star.username} has ${star.followers} followers, not more than FEED_FANOUT_MAX_FOLLOWERS`,
      `(${FANOUT_MAX_FOLLOWERS}): with this seed's ${results.graph.starFans} fans of the star every`,
      'author is pushed to its followers, and these rows do not measure the celebrity path. Seed the',
      'default 10 000 fans for that.',
    ].join('\n')
  }
  return [
    `Each author posted at 2 posts a second for ${results.seconds} s; the CPU counts every process`,
    'but the generator until the services had done all the work the posts set off (fan-out,',
    `projections, notifications). ${pushed.username} (${pushed.followers} followers) is at`,
    'FEED_FANOUT_MAX_FOLLOWERS, so its posts are pushed into the feeds of its followers who read',
    `recently; ${star.username} (${star.followers}) is past it, so its posts are written once, to its`,
    "timeline, and its followers' reads merge that timeline (DESIGN §6). Nothing in that path",
    "depends on the number of followers: not the author's request, not the work after it, and a",
    "follower's read depends on the celebrities they follow, not on those celebrities' followers.",
    'That is why the star stands for an author with a million followers, which this machine cannot',
    'seed through the API: every account is a registration (five services project it, and a',
    'verification email is sent) and every follow a request: at the pace `npm run seed` prints',
    'for this graph, a million followers would take hours.',
  ].join('\n')
}

function latencyRow(label: string, l: LatencySummary, extra = ''): string {
  return `| ${label} | ${l.count} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${extra} |`
}

/**
 * Where the CPU went in each measurement: milliseconds of CPU per request by process group (the
 * groups busiest over the whole run first), then what the services waited for.
 */
export function breakdownTables(
  breakdowns: readonly Breakdown[],
  /** What a measurement counts: requests, or the seed's items (an account is two requests). */
  unit: 'request' | 'item' = 'request',
): string {
  const totals = new Map<string, number>()
  for (const b of breakdowns) {
    for (const { group, seconds } of b.cpu) totals.set(group, (totals.get(group) ?? 0) + seconds)
  }
  const groups = [...totals].sort((a, b) => b[1] - a[1]).map(([group]) => group)
  const perRequest = (b: Breakdown, group: string) => {
    const seconds = b.cpu.find((entry) => entry.group === group)?.seconds ?? 0
    return b.requests > 0 ? ((seconds * 1000) / b.requests).toFixed(2) : '–'
  }
  const cpu = [
    `| Measurement | ${unit === 'request' ? 'req/s' : 'per second'} | cores busy | ${groups.join(' | ')} |`,
    `|---|---|---|${groups.map(() => '---').join('|')}|`,
    ...breakdowns.map(
      (b) =>
        `| ${b.label} | ${Math.round(b.requests / b.seconds)} | ${b.machineCores.toFixed(2)} | ${groups
          .map((group) => perRequest(b, group))
          .join(' | ')} |`,
    ),
  ]
  const services = breakdowns[0]?.services.map((s) => s.service) ?? []
  const waits = [
    `| Measurement | ${services.join(' | ')} |`,
    `|---|${services.map(() => '---').join('|')}|`,
    ...breakdowns.map(
      (b) =>
        `| ${b.label} | ${b.services
          .map(
            (s) =>
              `${s.poolWaits} waits (${(s.poolWaitSeconds * 1000).toFixed(0)} ms), loop p99 ${s.loopDelayP99Ms.toFixed(1)} ms, GC ${(s.gcSeconds * 1000).toFixed(0)} ms`,
          )
          .join(' | ')} |`,
    ),
  ]
  return [
    `CPU per ${unit}, in milliseconds, by process group (from /proc; "cores busy" is the whole`,
    "machine's CPU in use during the measurement, 2.00 meaning both cores):",
    '',
    ...cpu,
    '',
    'What each service waited on (from its own metrics): database pool waits (count and total',
    'time), the event-loop delay p99 at the end of the measurement, and time spent in GC:',
    '',
    ...waits,
  ].join('\n')
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
    `Measured through nginx by \`npm run bench\` (${results.seconds} s per measurement) on the graph`,
    `seeded from \`${results.graph.file}\`: ${results.graph.accounts} accounts with ${results.graph.follows}`,
    `follows between them, an author followed by ${results.graph.celebrityFans} more accounts (the`,
    `celebrity), another followed by ${results.graph.starFans} of them (the star), and the reader`,
    "probes. Latency counts from each request's scheduled time (open loop), so a stall is never",
    'hidden by the generator waiting for it.',
    '',
    markdownTable,
    '',
    '![Throughput](throughput.svg)',
    '',
    '![Mix latency](mix-latency.svg)',
    '',
    '![Mix achieved](mix-achieved.svg)',
    '',
    '## A post by a much-followed author',
    '',
    starNote(results),
    '',
    '## Latency detail',
    '',
    '| Measure | requests | p50 | p90 | p99 | max | |',
    '|---|---|---|---|---|---|---|',
    latencyRow('in-memory route, 32 connections', results.ceiling.latency),
    latencyRow('feed, 32 connections', results.feed.latency, `${results.feed.failed} failed`),
    latencyRow(
      'user timeline, 32 connections',
      results.timeline.latency,
      `${rps(results.timeline.rps)}, ${results.timeline.failed} failed`,
    ),
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
    ...results.authorCost.map((a) =>
      latencyRow(
        `posts by ${a.username} (${a.followers} followers)`,
        a.latency,
        `${a.failed} failed, ${ms(a.cpuMsPerPost)} of CPU per post`,
      ),
    ),
    latencyRow(
      "feed reads by the star's followers",
      results.starFollowerFeed.latency,
      `${results.starFollowerFeed.failed} failed`,
    ),
    '',
    '## Where the time went',
    '',
    breakdownTables(results.breakdowns),
    '',
    '## Seeding',
    '',
    seedSection(results.seed),
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
