import { setTimeout as sleep } from 'node:timers/promises'

import { eventually } from '@chatty/testing'
import { expect, it } from 'vitest'

import { withBrokerCut } from './support/faults.js'
import {
  countStatuses,
  expectFeedToHoldOnce,
  registerAudience,
  writePosts,
} from './support/traffic.js'

it('keeps writing through a 30 s broker outage and delivers every post once afterwards', async () => {
  const { authors, followers } = await registerAudience(8, 4)

  const written = await withBrokerCut(() => writePosts(authors, 5, sleep(30_000)))
  const restoredAt = Date.now()
  const failures = written.statuses.filter((status) => status >= 500).length
  console.log(
    `[faults] broker cut 30 s: ${written.statuses.length} posts sent, statuses ${JSON.stringify(countStatuses(written.statuses))}, ${failures} responses >= 500`,
  )
  expect(failures).toBe(0)
  expect(written.postIds).toHaveLength(written.statuses.length)

  await eventually(
    async () => {
      for (const follower of followers) await expectFeedToHoldOnce(follower, written.postIds)
    },
    90_000,
    500,
  )
  console.log(
    `[faults] broker back: ${followers.length} followers each hold all ${written.postIds.length} posts once, ${Date.now() - restoredAt} ms after the restore`,
  )
})
