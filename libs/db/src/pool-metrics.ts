import type { MikroORM } from '@mikro-orm/postgresql'
import type { Pool, PoolClient } from 'pg'
import { Gauge, Histogram, type Registry } from 'prom-client'

/** Waits for a free connection, in seconds: from a millisecond (a busy moment) to a stall. */
const POOL_WAIT_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]

/**
 * Measures the ORM's connection pool on `registry`: every acquisition that found all connections
 * busy and had to wait (`db_pool_wait_seconds`: its count is the number of waits), and the
 * connections in use, idle and waited for, read when metrics are scraped. An acquisition that
 * finds a connection free costs one comparison.
 */
export async function instrumentPool(orm: MikroORM, registry: Registry): Promise<void> {
  const pool: Pool = await orm.driver.getConnection().getNativeClient()
  const max = pool.options.max
  const wait = new Histogram({
    name: 'db_pool_wait_seconds',
    help: 'Time a unit of work waited for a database connection because every one was busy.',
    buckets: POOL_WAIT_BUCKETS_SECONDS,
    registers: [registry],
  })
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections by state: in use, idle, and requests waiting for one.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount)
      this.set({ state: 'idle' }, pool.idleCount)
      this.set({ state: 'waiting' }, pool.waitingCount)
    },
  })
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'The size of the database connection pool.',
    registers: [registry],
    collect() {
      this.set(max)
    },
  })

  const connect = pool.connect.bind(pool) as () => Promise<PoolClient>
  const timedConnect = (): Promise<PoolClient> => {
    if (pool.waitingCount === 0 && (pool.idleCount > 0 || pool.totalCount < max)) return connect()
    const startedAt = performance.now()
    return connect().then((client) => {
      wait.observe((performance.now() - startedAt) / 1_000)
      return client
    })
  }
  // Kysely (under MikroORM) acquires every connection through `pool.connect()`.
  pool.connect = ((callback?: unknown) =>
    callback === undefined
      ? timedConnect()
      : (connect as unknown as (cb: unknown) => void)(callback)) as Pool['connect']
}
