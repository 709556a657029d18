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

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, not ${raw}`)
  }
  return value
}

/**
 * How many fans follow each probe author: the celebrity `BENCH_CELEBRITY_FOLLOWERS` of them
 * (default 10 000), the star `BENCH_STAR_FOLLOWERS` (default as many), besides the other probes.
 */
export function fanCounts(): { celebrity: number; star: number } {
  const celebrity = positiveInteger('BENCH_CELEBRITY_FOLLOWERS', 10_000)
  return { celebrity, star: positiveInteger('BENCH_STAR_FOLLOWERS', celebrity) }
}
