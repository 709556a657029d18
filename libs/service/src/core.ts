import type { ServiceBaseConfig, ServiceManifest } from '@chatty/config'
import {
  createOrm,
  type EntityLike,
  instrumentPool,
  migrate,
  type MigrationClassList,
} from '@chatty/db'
import { isDependencyDown } from '@chatty/domain'
import type { DependencyState } from '@chatty/http'
import { createLogger, type Logger } from '@chatty/logger'
import { createServiceMessaging, type ServiceMessaging } from '@chatty/messaging'
import type { MikroORM } from '@mikro-orm/postgresql'

import { createServiceMetrics, type ServiceMetrics } from './metrics.js'

/** What tests swap in a service's context. */
export interface CoreOverrides {
  /** An ORM the caller owns (and closes); it is already migrated. */
  orm?: MikroORM
  clock?: () => Date
  messaging?: {
    retryDelaysMs?: readonly number[]
    pollIntervalMs?: number
    prefetch?: number
    batchSize?: number
  }
}

export interface CoreOptions {
  entities: readonly EntityLike[]
  migrations: MigrationClassList
  overrides?: CoreOverrides
  /** Messages taken from the broker and not yet acked; the consumer prefetch. */
  prefetch?: number
  /**
   * The most messages handled in one transaction; 1 where a handler's effect outside the database
   * must not be repeated (see `ConsumerOptions.batchSize`). By default the prefetch: one
   * transaction at a time takes every message waiting (docs/decisions.md, "Consumers handle the
   * messages that wait together in one transaction").
   */
  batchSize?: number
  /** Retry waits of failed messages, unless the overrides say otherwise. */
  retryDelaysMs?: readonly number[]
  /** Database connections one message in flight may hold at once (its transaction, by default). */
  connectionsPerMessage?: number
  /** Database connections beyond the consumers' (HTTP requests, the relay, background jobs). */
  headroomConnections?: number
  /** Errors after which a message waits for a dependency rather than using up its attempts. */
  isTransient?: (error: unknown) => boolean
}

/** A job that runs beside the service until `signal` aborts, such as lifting expired bans. */
export type BackgroundJob = (signal: AbortSignal) => Promise<void>

/**
 * What every process of the system has, HTTP or not: its manifest, logger, clock, migrated
 * database, messaging (outbox relay and consumer), health checks, and one lifecycle for them and
 * for whatever else the service registers.
 */
export interface ServiceCore {
  service: ServiceManifest
  logger: Logger
  clock: () => Date
  orm: MikroORM
  messaging: ServiceMessaging
  /**
   * Prometheus metrics (requests, event loop, GC, database pool, consumer, outbox), served on
   * METRICS_PORT from `start()`; a service adds its own series to `metrics.registry`.
   */
  metrics: ServiceMetrics
  /** The state of each dependency, for /health and /ready. */
  checkDependencies(): Promise<Record<string, DependencyState>>
  /** Adds a dependency to the health checks. */
  addDependencyCheck(name: string, check: () => DependencyState | Promise<DependencyState>): void
  /** Runs `job` from `start()` until `close()`, which waits for it before messaging closes. */
  addBackgroundJob(name: string, job: BackgroundJob): void
  /** Closes `resource` after messaging, in the reverse order of registration. */
  addCloseable(close: () => void | Promise<void>): void
  /**
   * Serves the metrics, then starts messaging and the background jobs; register the consumers'
   * handlers first.
   */
  start(): Promise<void>
  /**
   * Idempotent: stops the background jobs (their writes commit before the relay's last flush),
   * then messaging (in-flight messages finish, the outbox flushes), then the registered
   * closeables, then the database, then the metrics port.
   */
  close(): Promise<void>
}

const DEFAULT_PREFETCH = 8

/**
 * How long a service keeps a database connection it no longer uses. pg's default, 10 s, closed the
 * connections of every lull, and the next burst of requests waited for new ones, each a new
 * PostgreSQL backend with cold caches that prepares its statements again (figures in
 * docs/decisions.md, "Idle database connections are kept"). Kept 10 minutes, a pool stays at the
 * size its traffic needs.
 */
const IDLE_CONNECTION_MS = 600_000

/**
 * How long a dependency check may take: one that accepts connections but never answers (a paused
 * container, a black-holed network) then counts as down instead of hanging the health and
 * readiness answers until the orchestrator's own timeout.
 */
export const DEPENDENCY_CHECK_TIMEOUT_MS = 2_000

/** Runs `check`; a failure, or no answer within `timeoutMs`, is 'down'. */
export async function checkWithin(
  check: () => DependencyState | Promise<DependencyState>,
  timeoutMs: number,
): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<DependencyState>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs)
  })
  const answered = Promise.resolve()
    .then(check)
    .catch((): DependencyState => 'down')
  try {
    return await Promise.race([answered, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

/** Connects a service to its database (migrated) and the broker. Nothing runs until `start()`. */
export async function createServiceCore(
  config: ServiceBaseConfig,
  options: CoreOptions,
): Promise<ServiceCore> {
  const { service } = config
  const overrides = options.overrides ?? {}
  const logger = createLogger(service.name)
  const prefetch = overrides.messaging?.prefetch ?? options.prefetch ?? DEFAULT_PREFETCH
  const orm =
    overrides.orm ??
    (await createOrm({
      url: config.databaseUrl,
      entities: options.entities,
      migrations: options.migrations,
      pool: {
        min: 1,
        max: prefetch * (options.connectionsPerMessage ?? 1) + (options.headroomConnections ?? 2),
        idleTimeoutMillis: IDLE_CONNECTION_MS,
      },
    }))
  if (!overrides.orm) await migrate(orm)
  const metrics = createServiceMetrics(service.name)
  await instrumentPool(orm, metrics.registry)
  const messaging = createServiceMessaging({
    service: service.name,
    url: config.amqpUrl,
    prefix: config.messagingPrefix,
    orm,
    logger,
    prefetch,
    batchSize: options.batchSize ?? overrides.messaging?.batchSize ?? prefetch,
    pollIntervalMs: overrides.messaging?.pollIntervalMs,
    retryDelaysMs: overrides.messaging?.retryDelaysMs ?? options.retryDelaysMs,
    isTransient: options.isTransient ?? isDependencyDown,
    metrics: metrics.registry,
  })

  const checks = new Map<string, () => DependencyState | Promise<DependencyState>>([
    ['database', async () => ((await orm.isConnected()) ? 'ok' : 'down')],
    ['broker', () => (messaging.broker.status() === 'connected' ? 'ok' : 'degraded')],
  ])
  const jobs = new Map<string, BackgroundJob>()
  const running: Promise<void>[] = []
  const closeables: (() => void | Promise<void>)[] = []
  const stopping = new AbortController()
  let closing: Promise<void> | undefined

  return {
    service,
    logger,
    clock: overrides.clock ?? (() => new Date()),
    orm,
    messaging,
    metrics,
    checkDependencies: async () =>
      Object.fromEntries(
        await Promise.all(
          [...checks].map(
            async ([name, check]) =>
              [name, await checkWithin(check, DEPENDENCY_CHECK_TIMEOUT_MS)] as const,
          ),
        ),
      ),
    addDependencyCheck: (name, check) => {
      checks.set(name, check)
    },
    addBackgroundJob: (name, job) => {
      if (jobs.has(name)) throw new Error(`background job ${name} is already registered`)
      jobs.set(name, job)
    },
    addCloseable: (close) => {
      closeables.push(close)
    },
    start: async () => {
      await metrics.listen({ port: config.metricsPort, host: config.host })
      logger.info({ port: metrics.port() }, 'metrics at GET /metrics')
      messaging.start()
      for (const [name, job] of jobs) {
        running.push(
          job(stopping.signal).catch((error: unknown) => {
            logger.error({ err: error, job: name }, 'background job stopped')
          }),
        )
      }
    },
    close: () => {
      closing ??= (async () => {
        stopping.abort()
        await Promise.all(running)
        await messaging.close()
        for (const close of closeables.toReversed()) await close()
        if (!overrides.orm) await orm.close()
        await metrics.close()
      })()
      return closing
    },
  }
}
