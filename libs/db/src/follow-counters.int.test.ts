import { randomUUID } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { applyFollowChange, UserCounter } from './follow-counters.js'
import type { EntityManager, MikroORM } from './orm.js'
import { createTestDatabase, lockWaits, type TestDatabase } from './testing.js'
import { inTransaction } from './transaction.js'

describe('applyFollowChange', () => {
  let database: TestDatabase
  let orm: MikroORM

  beforeAll(async () => {
    database = await createTestDatabase({
      name: 'follow_changes',
      entities: [UserCounter],
      migrations: [],
    })
    orm = database.orm
    await orm.schema.create()
    await orm.em
      .fork()
      .execute(
        'create table follow_states (follower_id uuid not null, followee_id uuid not null, ' +
          'following boolean not null, changed_at timestamptz not null, ' +
          'primary key (follower_id, followee_id))',
      )
  })

  afterAll(async () => {
    await database.drop()
  })

  const apply = (
    pair: { followerId: string; followeeId: string },
    following: boolean,
    second: number,
    em?: EntityManager,
  ) => {
    const change = { ...pair, following, at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)) }
    return em
      ? applyFollowChange(em, 'follow_states', change)
      : inTransaction(orm.em, (tx) => applyFollowChange(tx, 'follow_states', change))
  }

  async function counts(userId: string) {
    const [row] = await orm.em
      .fork()
      .execute<{ followers: number; following: number }[]>(
        'select coalesce(sum(followers), 0)::int as followers, ' +
          'coalesce(sum(following), 0)::int as following from user_counters where user_id = ?',
        [userId],
      )
    return row
  }

  const newPair = () => ({ followerId: randomUUID(), followeeId: randomUUID() })

  it('counts a pair by its latest change, whatever order and however often its changes arrive', async () => {
    const pair = newPair()
    await apply(pair, false, 2)
    await apply(pair, true, 1)
    expect(await counts(pair.followeeId)).toEqual({ followers: 0, following: 0 })

    await apply(pair, true, 3)
    await apply(pair, true, 3)
    await apply(pair, false, 2)
    expect(await counts(pair.followeeId)).toEqual({ followers: 1, following: 0 })
    expect(await counts(pair.followerId)).toEqual({ followers: 0, following: 1 })

    await apply(pair, false, 4)
    expect(await counts(pair.followeeId)).toEqual({ followers: 0, following: 0 })
    expect(await counts(pair.followerId)).toEqual({ followers: 0, following: 0 })
  })

  it('counts a pair exactly when its first two changes are applied at the same time', async () => {
    for (const first of [true, false]) {
      const pair = newPair()
      let second: Promise<void> | undefined
      // The first change's transaction holds its new row until the second waits for it.
      await inTransaction(orm.em, async (tx) => {
        await apply(pair, first, first ? 1 : 2, tx)
        second = apply(pair, !first, first ? 2 : 1)
        while ((await lockWaits(orm.em.fork())) === 0) {
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      })
      await second
      expect(await counts(pair.followeeId)).toEqual({ followers: 0, following: 0 })
      expect(await counts(pair.followerId)).toEqual({ followers: 0, following: 0 })
    }
  })
})
