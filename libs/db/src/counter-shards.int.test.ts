import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { addToCounterShard, type ShardedCounter } from './counter-shards.js'
import { UserCounter } from './follow-counters.js'
import type { MikroORM } from './orm.js'
import { createTestDatabase, type TestDatabase } from './testing.js'
import { inTransaction } from './transaction.js'

const COUNTERS: ShardedCounter = { table: 'user_counters', key: 'user_id', shards: 16 }

describe('addToCounterShard', () => {
  let database: TestDatabase
  let orm: MikroORM

  beforeAll(async () => {
    database = await createTestDatabase({
      name: 'counter_shards',
      entities: [UserCounter],
      migrations: [],
    })
    orm = database.orm
    await orm.schema.create()
  })

  afterAll(async () => {
    await database.drop()
  })

  type Scans = { seq: number; idx: number }

  /**
   * The table's scans as PostgreSQL counts them, once `reported` holds: a connection reports its
   * counts when it is next idle, at most once a second (at most 5 s of waiting).
   */
  async function scansOfCounters(reported: (scans: Scans) => boolean): Promise<Scans> {
    for (let attempt = 0; ; attempt++) {
      const em = orm.em.fork()
      await em.execute('select pg_stat_clear_snapshot()')
      const [row] = await em.execute<Scans[]>(
        "select seq_scan::int as seq, coalesce(idx_scan, 0)::int as idx from pg_stat_user_tables where relname = 'user_counters'",
      )
      const scans = row ?? { seq: 0, idx: 0 }
      if (reported(scans) || attempt === 50) return scans
      await sleep(100)
    }
  }

  it('finds a key’s shard through the index, even with a plan made while the table was small', async () => {
    const users = Array.from({ length: 10 }, () => randomUUID())
    // Building the primary key read the table once.
    const before = await scansOfCounters((scans) => scans.seq > 0)
    await inTransaction(orm.em, async (tx) => {
      // A statement runs on custom plans five times, then on the generic plan made now, while the
      // table holds a few rows; it keeps that plan as the table grows.
      for (const userId of users.slice(0, 8)) {
        await addToCounterShard(tx, COUNTERS, userId, { followers: 1, following: 0, posts: 0 })
      }
      await tx.execute(
        'insert into user_counters (user_id, shard, followers, following, posts) ' +
          'select gen_random_uuid(), 0, 1, 0, 0 from generate_series(1, 20000)',
      )
      for (const userId of users) {
        await addToCounterShard(tx, COUNTERS, userId, { followers: 1, following: 0, posts: 0 })
      }
      // Reported when this connection is next idle, rather than within the next ten seconds.
      await tx.execute('select pg_stat_force_next_flush()')
    })

    const after = await scansOfCounters((scans) => scans.idx >= before.idx + 18)
    expect(after.idx).toBeGreaterThanOrEqual(before.idx + 18)
    expect(after.seq).toBe(before.seq)
    const [counted] = await orm.em
      .fork()
      .execute<{ followers: number }[]>(
        "select sum(followers)::int as followers from user_counters where user_id::text = any(string_to_array(?, ','))",
        [users.join(',')],
      )
    expect(counted?.followers).toBe(18)
  })
})
