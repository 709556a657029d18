import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import type { Breakdown } from './breakdown.js'
import type { Call, Client } from './load.js'

/** Every seeded account shares one password; the bench profile hashes it at a low bcrypt cost. */
export const SEED_PASSWORD = 'bench-password-1'

/** The accounts the benchmark reads as, besides the graph's own. */
export const PROBES = {
  /**
   * Followed by `celebrityFollowers` accounts (the fans), as many as FEED_FANOUT_MAX_FOLLOWERS lets
   * an author have and still be pushed to followers; posts during the fan-out measurement.
   */
  celebrity: 'bench_celebrity',
  /**
   * Followed by every fan and every other probe: past FEED_FANOUT_MAX_FOLLOWERS with the default
   * 10 000 fans, so its posts take the celebrity path (its followers' reads merge its timeline).
   */
  star: 'bench_star',
  /** Readers following 10, 1 000 and 5 000 accounts, for the feed-latency-by-followees row. */
  readers: [
    { username: 'bench_reads_10', follows: 10 },
    { username: 'bench_reads_1000', follows: 1_000 },
    { username: 'bench_reads_5000', follows: 5_000 },
  ],
} as const

export interface SeedPlan {
  /** Graph accounts, in node order. */
  graph: string[]
  /** Follows as [follower, followee] usernames, both directions of each friendship. */
  graphFollows: [string, string][]
  /**
   * Accounts that follow the probe authors (and are followed by the readers): the first
   * `celebrityFans` of them follow the celebrity, the first `starFans` the star.
   */
  fans: string[]
  celebrityFans: number
  starFans: number
  postsPerGraphAccount: number
}

export function graphUsername(node: number): string {
  return `reed_${node}`
}

export function fanUsername(index: number): string {
  return `bench_fan_${index}`
}

/**
 * The Reed98 edge list (`a b` per line, nodes 0–961) as usernames and follows: each friendship
 * becomes two follows, as DeathStarBench's loader does.
 */
export function planSeed(
  edgesPath: string,
  fanCounts: { celebrity: number; star: number },
): SeedPlan {
  const pairs = readFileSync(edgesPath, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('%') && !line.startsWith('#'))
    .map((line) => line.split(/\s+/).map(Number) as [number, number])
  const nodes = new Set(pairs.flat())
  const graph = [...nodes].sort((a, b) => a - b).map(graphUsername)
  const graphFollows = pairs.flatMap(([a, b]): [string, string][] => [
    [graphUsername(a), graphUsername(b)],
    [graphUsername(b), graphUsername(a)],
  ])
  const fans = Array.from({ length: Math.max(fanCounts.celebrity, fanCounts.star) }, (_, index) =>
    fanUsername(index),
  )
  return {
    graph,
    graphFollows,
    fans,
    celebrityFans: fanCounts.celebrity,
    starFans: fanCounts.star,
    postsPerGraphAccount: 3,
  }
}

/** Runs `work` over `items` with at most `limit` at once; the first failure stops the rest. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: unknown
  async function lane(): Promise<void> {
    while (failure === undefined && next < items.length) {
      const index = next++
      try {
        await work(items[index]!, index)
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  if (failure !== undefined) throw failure
}

/** An answer the seed did not expect. */
export class UnexpectedStatus extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Sends `call`, retrying briefly on 429 and 503, and fails on any other status outside `ok`. */
async function expectStatus(client: Client, call: Call, ok: readonly number[]): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    const { status, body } = await client.send(call)
    if (ok.includes(status)) return body
    if ((status === 429 || status === 503 || status === 0) && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)))
      continue
    }
    throw new UnexpectedStatus(
      status,
      `${call.method} ${call.path} answered ${status}: ${body.slice(0, 300)}`,
    )
  }
}

export async function register(client: Client, username: string): Promise<void> {
  await expectStatus(
    client,
    {
      method: 'POST',
      path: '/api/auth/register',
      body: JSON.stringify({
        username,
        email: `${username}@bench.chatty.test`,
        password: SEED_PASSWORD,
        displayName: username.replace(/_/g, ' '),
      }),
    },
    [201, 409],
  )
}

export async function login(client: Client, username: string): Promise<string> {
  const body = await expectStatus(
    client,
    {
      method: 'POST',
      path: '/api/auth/login',
      body: JSON.stringify({ login: username, password: SEED_PASSWORD }),
    },
    [200],
  )
  return (JSON.parse(body) as { accessToken: string }).accessToken
}

export async function follow(client: Client, token: string, followee: string): Promise<void> {
  await expectStatus(
    client,
    {
      method: 'POST',
      path: `/api/subscriptions/${followee}`,
      headers: { authorization: `Bearer ${token}` },
    },
    [200, 201],
  )
}

export async function createPost(client: Client, token: string, content: string): Promise<string> {
  const body = await expectStatus(
    client,
    {
      method: 'POST',
      path: '/api/posts',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ content }),
    },
    [201],
  )
  return (JSON.parse(body) as { id: string }).id
}

/**
 * Whom the reader probes follow, in order: graph accounts first (they have posts), then fans. A
 * reader follows the first `follows` of them, or all when the plan has fewer.
 */
export function readerFollowees(plan: SeedPlan): string[] {
  return [...plan.graph, ...plan.fans]
}

/** Who follows the celebrity: its fans. */
export function celebrityFollowers(plan: SeedPlan): string[] {
  return plan.fans.slice(0, plan.celebrityFans)
}

/** Who follows the star: its fans and every other probe. */
export function starFollowers(plan: SeedPlan): string[] {
  return [
    ...plan.fans.slice(0, plan.starFans),
    PROBES.celebrity,
    ...PROBES.readers.map((reader) => reader.username),
  ]
}

/** Every follow the seed makes, as [follower, followee]. */
export function seedFollows(plan: SeedPlan): [string, string][] {
  const followees = readerFollowees(plan)
  return [
    ...plan.graphFollows,
    ...celebrityFollowers(plan).map((fan): [string, string] => [fan, PROBES.celebrity]),
    ...starFollowers(plan).map((follower): [string, string] => [follower, PROBES.star]),
    ...PROBES.readers.flatMap((reader) =>
      followees
        .slice(0, reader.follows)
        .map((followee): [string, string] => [reader.username, followee]),
    ),
  ]
}

export interface SeedCounts {
  accounts: number
  follows: number
  posts: number
  /** How long each phase took, requests sent until the last answer. */
  seconds: { accounts: number; follows: number; posts: number }
  /**
   * Logins again, in each phase, of accounts whose access token had expired since the accounts
   * phase: a seed longer than the token's life pays for them, and its CPU counts them. Absent
   * from the records of seeds made before they were counted.
   */
  relogins?: { follows: number; posts: number }
}

export interface SeedProgress {
  (step: string, done: number, total: number): void
}

export type SeedPhase = keyof SeedCounts['seconds']

/** Runs one phase's `work` (sending `count` requests of one kind); lets the caller measure it. */
export type PhaseRunner = (
  phase: SeedPhase,
  count: number,
  work: () => Promise<void>,
) => Promise<void>

/**
 * Builds the graph through the public API, as any client could: registers every account, logs
 * each in once, makes every follow as the follower, and writes the graph accounts' posts.
 */
export async function seed(
  client: Client,
  plan: SeedPlan,
  options: { concurrency: number; progress: SeedProgress; runPhase?: PhaseRunner },
): Promise<Required<SeedCounts>> {
  const { concurrency, progress, runPhase = (_phase, _count, work) => work() } = options
  const seconds: SeedCounts['seconds'] = { accounts: 0, follows: 0, posts: 0 }
  /** Runs a phase; its seconds count the requests sent until the last answer. */
  const phase = (name: SeedPhase, count: number, work: () => Promise<void>) =>
    runPhase(name, count, async () => {
      const startedAt = performance.now()
      await work()
      seconds[name] = (performance.now() - startedAt) / 1000
    })
  const readers = PROBES.readers.map((reader) => reader.username)
  const accounts = [...plan.graph, PROBES.celebrity, PROBES.star, ...readers, ...plan.fans]

  let done = 0
  /** Each account's access token, or the login that is getting it. */
  const tokens = new Map<string, Promise<string>>()
  const relogins: Required<SeedCounts>['relogins'] = { follows: 0, posts: 0 }
  /**
   * Runs `work` with the account's access token, logging in again once it has expired: once for
   * all the requests of the account that found it expired at the same time.
   */
  const asAccount = async (
    phase: keyof typeof relogins,
    username: string,
    work: (token: string) => Promise<unknown>,
  ) => {
    const token = tokens.get(username)!
    try {
      await work(await token)
    } catch (error) {
      if (!(error instanceof UnexpectedStatus && error.status === 401)) throw error
      if (tokens.get(username) === token) {
        relogins[phase] += 1
        tokens.set(username, login(client, username))
      }
      await work(await tokens.get(username)!)
    }
  }
  await phase('accounts', accounts.length, () =>
    forEachLimit(accounts, concurrency, async (username) => {
      await register(client, username)
      const token = login(client, username)
      tokens.set(username, token)
      await token
      if (++done % 500 === 0) progress('accounts', done, accounts.length)
    }),
  )

  const follows = seedFollows(plan)
  done = 0
  await phase('follows', follows.length, () =>
    forEachLimit(follows, concurrency, async ([follower, followee]) => {
      await asAccount('follows', follower, (token) => follow(client, token, followee))
      if (++done % 2_000 === 0) progress('follows', done, follows.length)
    }),
  )

  const posts = plan.graph.flatMap((username) =>
    Array.from({ length: plan.postsPerGraphAccount }, (_, n) => ({ username, n })),
  )
  done = 0
  await phase('posts', posts.length, () =>
    forEachLimit(posts, concurrency, async ({ username, n }) => {
      await asAccount('posts', username, (token) =>
        createPost(client, token, `Post ${n + 1} by ${username} #bench`),
      )
      if (++done % 500 === 0) progress('posts', done, posts.length)
    }),
  )
  return {
    accounts: accounts.length,
    follows: follows.length,
    posts: posts.length,
    seconds,
    relogins,
  }
}

/** What the last `npm run seed` measured, kept in the bench stack's state directory for the report. */
export interface SeedRecord {
  finishedAt: string
  /** How many fans followed the celebrity and the star: the benchmark plans with the same. */
  fans?: { celebrity: number; star: number }
  counts: SeedCounts
  /** From the first request until every consumer had caught up. */
  settledSeconds: number
  /** Each phase's CPU by process group, its projections included (each phase waits for them). */
  phases: Breakdown[]
}

const seedRecordPath = (stateDir: string) => join(stateDir, 'seed.json')

export function writeSeedRecord(stateDir: string, record: SeedRecord): void {
  writeFileSync(seedRecordPath(stateDir), JSON.stringify(record, null, 2))
}

/** Forgets the last seed's record: the databases it describes are being replaced. */
export function forgetSeedRecord(stateDir: string): void {
  rmSync(seedRecordPath(stateDir), { force: true })
}

/** The last seed's record, or undefined when there is none (seeded before it was kept). */
export function readSeedRecord(stateDir: string): SeedRecord | undefined {
  try {
    return JSON.parse(readFileSync(seedRecordPath(stateDir), 'utf8')) as SeedRecord
  } catch {
    return undefined
  }
}
