import { randomUUID } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { addToCounterShard, type ShardedCounter } from './counter-shards.js'
import { UserCounter } from './follow-counters.js'
import type { MikroORM } from './orm.js'
import { createTestDatabase, readsOf, type TestDatabase } from './testing.js'
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

  it('finds a key’s shard through the index, even with a plan made while the table was small', async () => {
    const users = Array.from({ length: 10 }, () => randomUUID())
    const seqScans = await inTransaction(orm.em, async (tx) => {
      const before = await readsOf(tx, 'user_counters')
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
      return (await readsOf(tx, 'user_counters')).seqScans - before.seqScans
    })
    expect(seqScans).toBe(0)

    const [counted] = await orm.em
      .fork()
      .execute<{ followers: number }[]>(
        "select sum(followers)::int as followers from user_counters where user_id::text = any(string_to_array(?, ','))",
        [users.join(',')],
      )
    expect(counted?.followers).toBe(18)
  })
})
