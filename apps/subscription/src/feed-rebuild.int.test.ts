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
    await sub.addUnanalysedCrowd(20_000)

    const { seqScans, rows } = await inTransaction(sub.ctx.orm.em, async (tx) => {
      const before = await readsOf(tx, 'users')
      await waitForFeedWriters(tx, owner.id)
      const after = await readsOf(tx, 'users')
      return { seqScans: after.seqScans - before.seqScans, rows: after.rows - before.rows }
    })
    // The owner's and the two followees' rows through the primary key, never the 20 000 others.
    expect(seqScans).toBe(0)
    expect(rows).toBe(3)
  })
})
