import { setTimeout as sleep } from 'node:timers/promises'

import { eventually } from '@chatty/testing'
import { expect, it } from 'vitest'

import { killService, startService } from './support/faults.js'
import {
  countStatuses,
  expectFeedToHoldOnce,
  registerAudience,
  writePosts,
} from './support/traffic.js'

it('loses and doubles no post when subscription is killed -9 during the fan-out', async () => {
  const { authors, followers } = await registerAudience(6, 6)

  const crash = (async () => {
    await sleep(2_000)
    await killService('subscription')
    const killedAt = Date.now()
    await sleep(2_000)
    await startService('subscription')
    const downMs = Date.now() - killedAt
    await sleep(1_000)
    return downMs
  })()
  const written = await writePosts(authors, 10, crash)
  const downMs = await crash
  const restartedAt = Date.now()
  console.log(
    `[faults] subscription killed -9 for ${downMs} ms while ${written.statuses.length} posts were sent: statuses ${JSON.stringify(countStatuses(written.statuses))}`,
  )
  expect(written.statuses.filter((status) => status >= 500)).toEqual([])

  await eventually(
    async () => {
      for (const follower of followers) await expectFeedToHoldOnce(follower, written.postIds)
    },
    60_000,
    500,
  )
  console.log(
    `[faults] after the restart ${followers.length} followers each hold all ${written.postIds.length} posts once, ${Date.now() - restartedAt} ms later`,
  )
})
