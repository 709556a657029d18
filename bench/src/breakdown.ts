import { readdirSync, readFileSync } from 'node:fs'

/**
 * Where the time of one measurement went: the CPU every process of the machine used (grouped:
 * each service, nginx, PostgreSQL, Redis, RabbitMQ, the load generator, everything else) and what
 * each service's own metrics say about waiting (pool waits, event-loop delay, GC).
 */
export interface Breakdown {
  label: string
  requests: number
  seconds: number
  /** CPU seconds by process group, busiest first. */
  cpu: { group: string; seconds: number }[]
  /** The machine's CPU in use over the measurement, in cores. */
  machineCores: number
  services: ServiceWaits[]
}

export interface ServiceWaits {
  service: string
  /** Times a unit of work waited for a database connection, and for how long in all. */
  poolWaits: number
  poolWaitSeconds: number
  /** The event-loop delay's 99th percentile at the end of the measurement. */
  loopDelayP99Ms: number
  gcSeconds: number
}

// Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every architecture we run.
const TICKS_PER_SECOND = 100

/** The process group of this process: the load generator, which also runs the stack runner and mailbox. */
export const GENERATOR_GROUP = 'load generator, stack runner, mailbox'

/**
 * The group a process counts in, from its command name and command line: a Chatty service by the
 * app it runs, the infrastructure by its server, `self` for the generator (which also runs the
 * stack runner and the dev mailbox).
 */
export function processGroup(comm: string, cmdline: string, isSelf: boolean): string {
  if (isSelf) return GENERATOR_GROUP
  const app = /\/apps\/([\w-]+)\/dist\/main\.js/.exec(cmdline)
  if (app) return app[1]!
  if (comm.startsWith('postgres') || cmdline.startsWith('postgres:')) return 'PostgreSQL'
  if (comm === 'redis-server') return 'Redis'
  if (comm === 'beam.smp' || comm === 'erl_child_setup' || comm === 'epmd') return 'RabbitMQ'
  if (comm === 'nginx') return 'nginx'
  return 'other processes'
}

/**
 * The CPU of a /proc/<pid>/stat line, in ticks: its own (utime, stime) and that of its children
 * that have ended and been waited for (cutime, cstime). PostgreSQL's backends end when a pool lets a
 * connection go; their time then moves to the postmaster, so a group's total never goes back.
 * The command name may hold spaces.
 */
export function parseProcStat(line: string): { comm: string; ticks: number } {
  const open = line.indexOf('(')
  const close = line.lastIndexOf(')')
  const fields = line.slice(close + 2).split(' ')
  // After the name: state is field 3; utime, stime, cutime, cstime are fields 14-17 (man proc).
  const ticks = fields.slice(11, 15).reduce((sum, value) => sum + Number(value), 0)
  return { comm: line.slice(open + 1, close), ticks }
}

/** CPU seconds used so far by every process group on the machine. */
function processCpu(): Map<string, number> {
  const groups = new Map<string, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const { comm, ticks } = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'))
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
      const group = processGroup(comm, cmdline, Number(entry) === process.pid)
      groups.set(group, (groups.get(group) ?? 0) + ticks / TICKS_PER_SECOND)
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return groups
}

/** CPU time the whole machine was busy, in seconds (the first line of /proc/stat). */
function machineCpu(): { busy: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
  const ticks = values.map(Number)
  const total = ticks.reduce((sum, value) => sum + value, 0)
  // idle and iowait are the 4th and 5th values.
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
  return { busy: (total - idle) / TICKS_PER_SECOND }
}

/** The value of a Prometheus series without labels beyond `service` (the first sample). */
export function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)
  return match ? Number(match[1]) : 0
}

/** The sum of every sample of a series, whatever its labels. */
export function metricSum(text: string, name: string): number {
  let sum = 0
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    sum += Number(match[1])
  }
  return sum
}

async function scrape(metricsUrls: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const texts = new Map<string, string>()
  await Promise.all(
    [...metricsUrls].map(async ([service, url]) => {
      const response = await fetch(url)
      texts.set(service, await response.text())
    }),
  )
  return texts
}

/**
 * Waits until the services have caught up with what the last measurement sent them: no message
 * waiting in any outbox and no message handled for a whole second. So a stage that posts (the
 * mix) does not leave its fan-out and projections running into the next stage's numbers. Gives up
 * after `timeoutMs` and answers how long it waited.
 */
export async function settle(
  metricsUrls: ReadonlyMap<string, string>,
  timeoutMs = 120_000,
): Promise<number> {
  const startedAt = performance.now()
  let handledBefore = -1
  for (;;) {
    const texts = [...(await scrape(metricsUrls)).values()]
    const backlog = texts.reduce((sum, t) => sum + metricSum(t, 'outbox_backlog_messages'), 0)
    const handled = texts.reduce(
      (sum, t) => sum + metricSum(t, 'messaging_handler_duration_seconds_count'),
      0,
    )
    const waited = performance.now() - startedAt
    if ((backlog === 0 && handled === handledBefore) || waited > timeoutMs) return waited
    handledBefore = handled
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
}

/** Starts watching a measurement; `finish` answers its breakdown. */
export async function watch(metricsUrls: ReadonlyMap<string, string>) {
  const startedAt = performance.now()
  const cpuBefore = processCpu()
  const machineBefore = machineCpu()
  const metricsBefore = await scrape(metricsUrls)
  return {
    async finish(label: string, requests: number): Promise<Breakdown> {
      const seconds = (performance.now() - startedAt) / 1000
      const cpuAfter = processCpu()
      const machineAfter = machineCpu()
      const metricsAfter = await scrape(metricsUrls)
      const cpu = [...cpuAfter]
        .map(([group, after]) => ({ group, seconds: after - (cpuBefore.get(group) ?? 0) }))
        .filter((entry) => entry.seconds > 0)
        .sort((a, b) => b.seconds - a.seconds)
      const delta = (service: string, name: string) =>
        metricSum(metricsAfter.get(service) ?? '', name) -
        metricSum(metricsBefore.get(service) ?? '', name)
      const services = [...metricsUrls.keys()].map((service) => ({
        service,
        poolWaits: delta(service, 'db_pool_wait_seconds_count'),
        poolWaitSeconds: delta(service, 'db_pool_wait_seconds_sum'),
        loopDelayP99Ms:
          metricValue(metricsAfter.get(service) ?? '', 'nodejs_eventloop_lag_p99_seconds') * 1000,
        gcSeconds: delta(service, 'nodejs_gc_duration_seconds_sum'),
      }))
      const machineCores = (machineAfter.busy - machineBefore.busy) / seconds
      return { label, requests, seconds, cpu, machineCores, services }
    },
  }
}
