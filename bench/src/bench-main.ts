import { execFileSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { type Breakdown, GENERATOR_GROUP, settle, watch } from './breakdown.js'
import { fanCounts, graphPath } from './graph.js'
import { type LatencySummary, stalls, summarise } from './latency.js'
import { type Call, closedLoop, createClient, openLoop, type Run, throughput } from './load.js'
import { renderReport, type Results } from './report.js'
import {
  celebrityFollowers,
  createPost,
  forEachLimit,
  login,
  planSeed,
  PROBES,
  readSeedRecord,
  seedFollows,
} from './seed.js'
import { startBenchStack } from './stack.js'

const say = (text: string) => console.log(`[bench] ${text}`)
const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1000

/** What else the machine was doing when the run started, for the report. */
function machineState(): string {
  const top = execFileSync('ps', ['-eo', 'pcpu,rss,comm', '--sort=-pcpu'], { encoding: 'utf8' })
    .split('\n')
    .slice(0, 9)
    .join('\n')
  return [
    `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `load average before the run: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
    'busiest processes before the run:',
    top,
  ].join('\n')
}

function latencies(run: Run, kind?: string): LatencySummary {
  const outcomes = kind ? run.outcomes.filter((o) => o.kind === kind) : run.outcomes
  return summarise(Float64Array.from(outcomes, (o) => o.latencyMs))
}

function failures(run: Run): number {
  return run.outcomes.filter((o) => o.status < 200 || o.status >= 300).length
}

const machine = machineState()
const { stack, gatewayUrl, rootDir } = await startBenchStack({ fresh: false })
const client = createClient(gatewayUrl, 512)
const metricsUrls = new Map(
  stack.plan.services.map((service) => [service.definition.name, service.metricsUrl]),
)
const breakdowns: Breakdown[] = []
/**
 * Runs one measurement, once the stack is quiet, and records where its CPU went: until the last
 * answer, or with `untilSettled` until the services have also done the work it set off.
 */
async function measured(
  label: string,
  work: () => Promise<Run>,
  options: { untilSettled?: boolean } = {},
): Promise<{ run: Run; breakdown: Breakdown }> {
  const waited = await settle(metricsUrls)
  if (waited > 2_000) say(`waited ${(waited / 1000).toFixed(0)} s for the services to catch up`)
  const watching = await watch(metricsUrls)
  const run = await work()
  if (options.untilSettled) await settle(metricsUrls)
  const breakdown = await watching.finish(label, run.outcomes.length)
  breakdowns.push(breakdown)
  return { run, breakdown }
}
try {
  // As the seed was planned (its record says with how many fans), whatever this run's environment.
  const seedRecord = readSeedRecord(stack.plan.stateDir)
  const plan = planSeed(graphPath(rootDir), seedRecord?.fans ?? fanCounts())
  const measureMs = seconds('BENCH_SECONDS', 10)

  // Readers: a sample of the graph's accounts, each logged in once.
  const readerNames = plan.graph.slice(0, Number(process.env.BENCH_READERS ?? 200))
  const tokens: string[] = []
  await forEachLimit(readerNames, 16, async (username) => {
    tokens.push(await login(client, username))
  })
  const probeTokens = new Map<string, string>()
  for (const username of [PROBES.celebrity, ...PROBES.readers.map((r) => r.username)]) {
    probeTokens.set(username, await login(client, username))
  }
  const pick = <T>(items: readonly T[], index: number) => items[(index * 7919) % items.length]!
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

  const jwks: Call = { method: 'GET', path: '/api/auth/.well-known/jwks.json', kind: 'jwks' }
  const feed = (index: number): Call => ({
    method: 'GET',
    path: '/api/feed?limit=20',
    headers: bearer(pick(tokens, index)),
    kind: 'feed',
  })
  const timeline = (index: number): Call => ({
    method: 'GET',
    path: `/api/posts?author=${plan.graph[index % plan.graph.length]}&limit=20`,
    kind: 'timeline',
  })
  const compose = (index: number): Call => ({
    method: 'POST',
    path: '/api/posts',
    headers: bearer(pick(tokens, index)),
    body: JSON.stringify({ content: `bench post ${index} #bench` }),
    kind: 'compose',
  })
  // Each kind counts its own calls, so each spreads over every reader and author: posts by a
  // few accounts would soon meet the limit of 30 a minute and be refused.
  const mix = (index: number): Call => {
    const slot = index % 10
    const round = Math.floor(index / 10)
    if (slot < 6) return feed(round * 6 + slot)
    return slot < 9 ? timeline(round * 3 + slot - 6) : compose(round)
  }

  // Every kind of request the measurements send, so none of them pays a first use (a statement
  // prepared on each pooled connection, code not yet optimised): the mix at 100 req/s, run
  // first, measured the first timelines and posts of the run (p99 56 ms against 19 at 200 req/s).
  say('warming up')
  await closedLoop(client, { connections: 32, durationMs: 3_000, next: feed })
  await closedLoop(client, { connections: 32, durationMs: 2_000, next: () => jwks })
  await openLoop(client, { rate: 100, durationMs: 3_000, next: mix })

  say('ceiling: the in-memory route, 32 connections')
  const { run: ceilingRun } = await measured('in-memory route, 32 connections', () =>
    closedLoop(client, { connections: 32, durationMs: measureMs, next: () => jwks }),
  )
  say('home feed, 32 connections')
  const { run: feedRun } = await measured('feed, 32 connections', () =>
    closedLoop(client, { connections: 32, durationMs: measureMs, next: feed }),
  )

  // The mix's other kinds alone, so its breakdown can be told apart (the posts' cost is measured
  // by the author-cost stages below).
  say('user timelines, 32 connections')
  const { run: timelineRun } = await measured('user timeline, 32 connections', () =>
    closedLoop(client, { connections: 32, durationMs: measureMs, next: timeline }),
  )

  const mixRates = (process.env.BENCH_MIX_RATES ?? '100,200,400,600,800,1000')
    .split(',')
    .map(Number)
  const mixRuns: { rate: number; run: Run }[] = []
  for (const rate of mixRates) {
    say(`mix at ${rate} req/s`)
    const { run } = await measured(`mix at ${rate} req/s`, () =>
      openLoop(client, { rate, durationMs: measureMs, next: mix }),
    )
    mixRuns.push({ rate, run })
  }

  const steadyRate = Number(process.env.BENCH_STEADY_RATE ?? 200)
  const steadyMs = seconds('BENCH_STEADY_SECONDS', 20)
  say(`feed reads at a steady ${steadyRate} req/s`)
  const { run: steadyFeed } = await measured(`feed at ${steadyRate} req/s`, () =>
    openLoop(client, { rate: steadyRate, durationMs: steadyMs, next: feed }),
  )
  say(`the in-memory route at a steady ${steadyRate} req/s`)
  const steadyJwks = await openLoop(client, {
    rate: steadyRate,
    durationMs: steadyMs,
    next: () => jwks,
  })

  say('feed latency by accounts followed')
  await settle(metricsUrls)
  const byFollowees: { follows: number; run: Run }[] = []
  for (const reader of PROBES.readers) {
    const token = probeTokens.get(reader.username)!
    const run = await openLoop(client, {
      rate: 100,
      durationMs: measureMs / 2,
      next: () => ({
        method: 'GET',
        path: '/api/feed?limit=20',
        headers: bearer(token),
        kind: 'feed',
      }),
    })
    byFollowees.push({ follows: reader.follows, run })
  }

  const celebrityFans = celebrityFollowers(plan)
  say(`fan-out: the celebrity (${celebrityFans.length} followers) posts`)
  await settle(metricsUrls)
  // A hundred followers of each probe author, spread over its fans, the first at `offset`.
  const sampleOf = (fans: readonly string[], offset = 0) => {
    const step = Math.ceil(fans.length / 100)
    return fans.filter((_, i) => i % step === offset % step)
  }
  const fanOutSample = sampleOf(celebrityFans)
  // Other fans on each run (while the star has more than a hundred), so feeds no earlier run
  // has read: each fan's first read rebuilds its feed from PostgreSQL, as a follower's first
  // read after a long absence does, and the next nine come from Redis.
  const starSample = sampleOf(plan.fans.slice(0, plan.starFans), randomInt(1, 1_000_000))
  const fanTokens = new Map<string, string>()
  await forEachLimit([...new Set([...fanOutSample, ...starSample])], 16, async (fan) => {
    fanTokens.set(fan, await login(client, fan))
  })
  const fanOutMs: number[] = []
  for (let n = 0; n < Number(process.env.BENCH_FANOUT_POSTS ?? 5); n += 1) {
    const posted = performance.now()
    const postId = await createPost(client, probeTokens.get(PROBES.celebrity)!, `fan-out ${n}`)
    await forEachLimit(fanOutSample, fanOutSample.length, async (fan) => {
      for (;;) {
        const { body } = await client.send({
          method: 'GET',
          path: '/api/feed?limit=5',
          headers: bearer(fanTokens.get(fan)!),
        })
        if (body.includes(postId)) break
        await sleep(10)
      }
      fanOutMs.push(performance.now() - posted)
    })
    await sleep(500)
  }

  // DESIGN §6: past FEED_FANOUT_MAX_FOLLOWERS a post is written once, to its author's timeline,
  // and costs its author the same whatever the followers; the star is past it, the celebrity probe
  // at it (pushed to its followers), a graph account near 10 followers far below it.
  say("a post's cost to its author, by followers")
  const followersOf = new Map<string, number>()
  for (const [, followee] of seedFollows(plan)) {
    followersOf.set(followee, (followersOf.get(followee) ?? 0) + 1)
  }
  const fewFollowers = [...followersOf].sort(
    (a, b) => Math.abs(a[1] - 10) - Math.abs(b[1] - 10),
  )[0]![0]
  const authorCost: Results['authorCost'] = []
  for (const username of [fewFollowers, PROBES.celebrity, PROBES.star]) {
    const { body } = await client.send({ method: 'GET', path: `/api/users/${username}` })
    const { followersCount } = JSON.parse(body) as { followersCount: number }
    const token = await login(client, username)
    const { run, breakdown } = await measured(
      `posts by an author with ${followersCount} followers, until settled`,
      () =>
        openLoop(client, {
          // Under the 30 posts a minute an account may write.
          rate: 2,
          durationMs: measureMs,
          next: (index) => ({
            method: 'POST',
            path: '/api/posts',
            headers: bearer(token),
            body: JSON.stringify({ content: `cost probe ${index}` }),
            kind: 'compose',
          }),
        }),
      { untilSettled: true },
    )
    const cpuSeconds = breakdown.cpu
      .filter((entry) => entry.group !== GENERATOR_GROUP)
      .reduce((sum, entry) => sum + entry.seconds, 0)
    authorCost.push({
      username,
      followers: followersCount,
      latency: latencies(run),
      cpuMsPerPost: (cpuSeconds * 1000) / run.outcomes.length,
      failed: failures(run),
    })
  }
  say("feed reads by the star's followers")
  const { run: starFollowerReads } = await measured(
    "the star's followers' feeds at 100 req/s",
    () =>
      openLoop(client, {
        rate: 100,
        durationMs: measureMs,
        next: (index) => ({
          method: 'GET',
          path: '/api/feed?limit=20',
          headers: bearer(fanTokens.get(pick(starSample, index))!),
          kind: 'feed',
        }),
      }),
  )

  const results: Results = {
    machine,
    graph: {
      file: relative(rootDir, graphPath(rootDir)),
      accounts: plan.graph.length,
      follows: plan.graphFollows.length,
      celebrityFans: plan.celebrityFans,
      starFans: plan.starFans,
    },
    seconds: measureMs / 1000,
    ceiling: {
      rps: throughput(ceilingRun),
      latency: latencies(ceilingRun),
      failed: failures(ceilingRun),
    },
    feed: { rps: throughput(feedRun), latency: latencies(feedRun), failed: failures(feedRun) },
    timeline: {
      rps: throughput(timelineRun),
      latency: latencies(timelineRun),
      failed: failures(timelineRun),
    },
    mix: mixRuns.map(({ rate, run }) => ({
      rate,
      achieved: throughput(run),
      latency: latencies(run),
      byKind: Object.fromEntries(
        ['feed', 'timeline', 'compose'].map((kind) => [kind, latencies(run, kind)]),
      ),
      failed: failures(run),
    })),
    steady: {
      rate: steadyRate,
      seconds: steadyMs / 1000,
      feed: latencies(steadyFeed),
      jwks: latencies(steadyJwks),
      feedStalls: stalls(steadyFeed.outcomes, 50).slice(0, 5),
      jwksStalls: stalls(steadyJwks.outcomes, 50).slice(0, 5),
      failed: failures(steadyFeed),
    },
    byFollowees: byFollowees.map(({ follows, run }) => ({ follows, latency: latencies(run) })),
    fanOut: {
      followers: celebrityFans.length,
      sampled: fanOutSample.length,
      posts: Number(process.env.BENCH_FANOUT_POSTS ?? 5),
      latency: summarise(Float64Array.from(fanOutMs)),
    },
    authorCost,
    starFollowerFeed: {
      latency: latencies(starFollowerReads),
      failed: failures(starFollowerReads),
    },
    breakdowns,
    seed: seedRecord,
  }
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')
  const dir = join(rootDir, 'bench', 'reports', stamp)
  mkdirSync(dir, { recursive: true })
  const report = renderReport(results)
  for (const [name, content] of Object.entries(report.files))
    writeFileSync(join(dir, name), content)
  console.log(report.table)
  say(`report written to ${join('bench', 'reports', stamp, 'README.md')}`)
} finally {
  client.close()
  await stack.stop()
}
process.exit()
