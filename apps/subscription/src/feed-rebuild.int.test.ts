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
    await sub.ctx.orm.em
      .fork()
      .execute(
        'insert into users (id, created_at) select gen_random_uuid(), now() from generate_series(1, 20000)',
      )
    await sub.ctx.orm.em.fork().execute('analyze users')

    const read = await inTransaction(sub.ctx.orm.em, async (tx) => {
      const before = await readsOf(tx, 'users')
      await waitForFeedWriters(tx, owner.id)
      return (await readsOf(tx, 'users')).rows - before.rows
    })
    expect(read).toBe(3)
  })
})
