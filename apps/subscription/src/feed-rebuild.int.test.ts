import { inTransaction } from '@chatty/db'
import { readsOf } from '@chatty/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { waitForFeedWriters } from './domain/feed-queries.js'
import { startSubscription, type SubscriptionHarness } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

describe('a feed rebuild', () => {
  it('waits for the writers of its owner and followees without reading any other account', async () => {
    const owner = await sub.registerUser('rebuilder')
    const followees = [await sub.registerUser('rebuilt_one'), await sub.registerUser('rebuilt_two')]
    for (const followee of followees) await sub.follow(owner, followee)
    // As a server without autovacuum leaves the tables: many accounts and follows (of another
    // account), never analysed.
    const other = await sub.registerUser('followed_by_many')
    const em = sub.ctx.orm.em.fork()
    for (const table of ['users', 'follows']) {
      await em.execute(`alter table ${table} set (autovacuum_enabled = false)`)
    }
    await em.execute(
      'insert into users (id, created_at) select gen_random_uuid(), now() from generate_series(1, 20000)',
    )
    await em.execute(
      `insert into follows (follower_id, followee_id, created_at) select id, '${other.id}', now() from users where id <> '${other.id}'`,
    )

    const { seqScans, rows } = await inTransaction(sub.ctx.orm.em, async (tx) => {
      const before = await readsOf(tx, 'users')
      await waitForFeedWriters(tx, owner.id)
      const after = await readsOf(tx, 'users')
      return { seqScans: after.seqScans - before.seqScans, rows: after.rows - before.rows }
    })
    // The owner's and the two followees' rows through the primary key (the statistics count 4
    // fetches for them), never the 20 000 others: the previous form's plan read 20 004.
    expect(seqScans).toBe(0)
    expect(rows).toBeLessThanOrEqual(6)
  })
})
