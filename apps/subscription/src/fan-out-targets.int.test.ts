import { inTransaction } from '@chatty/db'
import { readsOf } from '@chatty/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { fanOutTargets } from './domain/feed-queries.js'
import { startSubscription, type SubscriptionHarness } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

describe("fan-out's choice of followers", () => {
  it('reads only the rows of the author’s followers, however many accounts and whatever the statistics', async () => {
    const author = await sub.registerUser('fanned')
    const reader = await sub.registerUser('fan_reading')
    const quiet = await sub.registerUser('fan_quiet')
    for (const follower of [reader, quiet]) await sub.follow(follower, author)
    const em = sub.ctx.orm.em.fork()
    await em.execute(`update users set last_active_at = now() where id = '${reader.id}'`)
    await em.execute(
      `update users set last_active_at = now() - interval '14 days 12 hours' where id = '${quiet.id}'`,
    )
    await sub.addUnanalysedCrowd(20_000)

    const activeSince = new Date(Date.now() - 14 * 86_400_000)
    const { targets, seqScans, rows } = await inTransaction(sub.ctx.orm.em, async (tx) => {
      const before = await readsOf(tx, 'users')
      // Past the first five runs, PostgreSQL plans a prepared statement once for every value.
      let targets = await fanOutTargets(tx, author.id, activeSince)
      for (let run = 0; run < 9; run++) targets = await fanOutTargets(tx, author.id, activeSince)
      const after = await readsOf(tx, 'users')
      return { targets, seqScans: after.seqScans - before.seqScans, rows: after.rows - before.rows }
    })

    expect(targets).toEqual({ active: [reader.id], inactive: [quiet.id] })
    expect(seqScans).toBe(0)
    expect(rows).toBeLessThanOrEqual(10 * 2)
  })
})
