import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * The Reed98 edge list: `BENCH_GRAPH` if set, else `../shared/data` beside the repository, where
 * the benchmark's data set is kept.
 */
export function graphPath(rootDir: string): string {
  const path = process.env.BENCH_GRAPH
    ? resolve(process.env.BENCH_GRAPH)
    : join(rootDir, '..', 'shared', 'data', 'socfb-Reed98', 'socfb-Reed98.edges')
  if (!existsSync(path)) {
    throw new Error(`The Reed98 graph is not at ${path}; set BENCH_GRAPH to its edges file.`)
  }
  return path
}

/** Followers the celebrity probe gets (`BENCH_CELEBRITY_FOLLOWERS`, default 10 000). */
export function celebrityFollowers(): number {
  const raw = process.env.BENCH_CELEBRITY_FOLLOWERS
  const value = raw === undefined ? 10_000 : Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`BENCH_CELEBRITY_FOLLOWERS must be a positive integer, not ${raw}`)
  }
  return value
}
