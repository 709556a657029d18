import { setTimeout as sleep } from 'node:timers/promises'

import { withClient } from '@chatty/db'

import { type Breakdown, settle, watch } from './breakdown.js'
import { fanCounts, graphPath } from './graph.js'
import { createClient } from './load.js'
import { breakdownTables } from './report.js'
import {
  forgetSeedRecord,
  planSeed,
  PROBES,
  seed,
  seedFollows,
  type SeedPhase,
  writeSeedRecord,
} from './seed.js'
import { startBenchStack } from './stack.js'

const say = (text: string) => console.log(`[seed] ${text}`)

const { stack, gatewayUrl, rootDir } = await startBenchStack({ fresh: true })
forgetSeedRecord(stack.plan.stateDir)
const client = createClient(gatewayUrl, 128)
const metricsUrls = new Map(
  stack.plan.services.map((service) => [service.definition.name, service.metricsUrl]),
)
const PHASE_LABELS: Record<SeedPhase, string> = {
  accounts: 'an account (registration and login)',
  follows: 'a follow',
  posts: 'a post',
}
try {
  const fans = fanCounts()
  const plan = planSeed(graphPath(rootDir), fans)
  const started = performance.now()
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1)
  const phases: Breakdown[] = []
  const counts = await seed(client, plan, {
    concurrency: Number(process.env.BENCH_SEED_CONCURRENCY ?? 64),
    progress: (step, done, total) => say(`${step} ${done}/${total} (${seconds()} s)`),
    // Each phase's CPU includes the work its events set off in every service: the next phase
    // starts once the consumers have caught up.
    runPhase: async (phase, count, work) => {
      const watching = await watch(metricsUrls)
      await work()
      await settle(metricsUrls, 3_600_000)
      phases.push(await watching.finish(PHASE_LABELS[phase], count))
    },
  })
  say(
    `${counts.accounts} accounts, ${counts.follows} follows, ${counts.posts} posts sent in ${seconds()} s (each phase waited for the one before to settle)`,
  )
  const rate = (count: number, phase: keyof typeof counts.seconds) =>
    `${(count / counts.seconds[phase]).toFixed(0)}/s`
  say(
    `accounts (registration and login) ${rate(counts.accounts, 'accounts')}, follows ${rate(counts.follows, 'follows')}, posts ${rate(counts.posts, 'posts')}`,
  )
  say(
    `logins again after an access token expired: ${counts.relogins.follows} while following, ${counts.relogins.posts} while posting`,
  )
  // The follows reach the counters and feeds through events: wait until the last ones are in.
  const follows = seedFollows(plan)
  const lastReader = PROBES.readers.at(-1)!.username
  const expected = [
    {
      username: PROBES.celebrity,
      followers: follows.filter(([, followee]) => followee === PROBES.celebrity).length,
    },
    {
      username: PROBES.star,
      followers: follows.filter(([, followee]) => followee === PROBES.star).length,
    },
    {
      username: lastReader,
      following: follows.filter(([follower]) => follower === lastReader).length,
    },
  ]
  for (;;) {
    const counts = await Promise.all(
      expected.map(async ({ username }) => {
        const { body } = await client.send({ method: 'GET', path: `/api/users/${username}` })
        return JSON.parse(body) as { followersCount: number; followingCount: number }
      }),
    )
    const settled = expected.every(
      (probe, i) =>
        (probe.followers === undefined || counts[i]!.followersCount === probe.followers) &&
        (probe.following === undefined || counts[i]!.followingCount === probe.following),
    )
    if (settled) break
    await sleep(250)
  }
  // The counters are auth's; the feeds and other projections may still be behind. The benchmark
  // measures a system that has caught up.
  say(`counters settled in ${seconds()} s; waiting for every consumer to catch up`)
  await settle(metricsUrls, 3_600_000)
  const settledSeconds = (performance.now() - started) / 1000
  // What autovacuum does on a default server after so many writes: the planner's statistics of
  // the tables the seed filled, and the dead index entries of rows the seed updated (every
  // published outbox row, every counter shard) cleared. On a server where it is off (as on the
  // benchmark machine) plans would be made for empty tables and partial indexes would stay bloated.
  await Promise.all(
    stack.plan.services.map((service) =>
      withClient(service.databaseUrl, (db) => db.query('vacuum analyze')),
    ),
  )
  writeSeedRecord(stack.plan.stateDir, {
    finishedAt: new Date().toISOString(),
    fans,
    counts,
    settledSeconds,
    phases,
  })
  console.log(`\nWhere each phase's time went, per item:\n\n${breakdownTables(phases, 'item')}\n`)
  say(`seeded and settled in ${seconds()} s`)
} finally {
  client.close()
  await stack.stop()
}
process.exit()
