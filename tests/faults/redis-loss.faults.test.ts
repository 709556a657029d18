import { eventually } from '@chatty/testing'
import { expect, it } from 'vitest'

import { findAdminUser, loginAdmin } from '../e2e/support/admin.js'
import { expectJson, expectStatus, post } from '../e2e/support/api.js'
import {
  publish,
  registerMember,
  startFollowing,
  waitForFeedToContain,
} from '../e2e/support/social.js'
import { login } from '../e2e/support/users.js'
import { flushRedis } from './support/faults.js'
import { probeFor } from './support/probes.js'
import { allFeedPostIds, countStatuses } from './support/traffic.js'

it('reads the same feeds and keeps revoked tokens refused after FLUSHDB', async () => {
  const [author, follower, leaver, banned] = await Promise.all([
    registerMember(),
    registerMember(),
    registerMember(),
    registerMember(),
  ])
  await startFollowing(follower, author.username)
  const posts = [await publish(author), await publish(author), await publish(author)]
  for (const { id } of posts) await waitForFeedToContain(follower, id)
  const feedsBefore = [await allFeedPostIds(follower), await allFeedPostIds(author)]

  const session = await login(leaver)
  expectStatus(await post('/api/auth/logout', { refreshToken: session.refreshToken }), 204)
  const adminToken = await loginAdmin()
  const { id } = await findAdminUser(adminToken, banned.username)
  expectJson(
    await post(`/api/admin/users/${id}/ban`, { reason: 'fault tier' }, { token: adminToken }),
    200,
  )
  const revoked = { 'logged-out session': session.accessToken, 'banned user': banned.token }
  await eventually(async () => {
    for (const token of Object.values(revoked)) {
      expect(countStatuses(await probeFor(token))).toEqual({ 401: 3 })
    }
  })

  await flushRedis()
  const flushedAt = Date.now()
  const statuses = Object.fromEntries(
    await Promise.all(
      Object.entries(revoked).map(async ([name, token]) => [name, await probeFor(token, 3_000)]),
    ),
  ) as Record<string, number[]>
  const feedsAfter = await eventually(
    async () => {
      const feeds = [await allFeedPostIds(follower), await allFeedPostIds(author)]
      expect(feeds).toEqual(feedsBefore)
      return feeds
    },
    10_000,
    100,
  )
  console.log(
    `[faults] after FLUSHDB: feeds of ${feedsAfter.map((feed) => feed.length).join(' and ')} posts read as before, ${Date.now() - flushedAt} ms after the flush`,
  )
  for (const [name, seen] of Object.entries(statuses)) {
    console.log(
      `[faults] after FLUSHDB, the ${name}'s token answered ${JSON.stringify(countStatuses(seen))} over 3 s`,
    )
  }
  for (const [name, seen] of Object.entries(statuses)) {
    expect(
      seen.filter((status) => status !== 401 && status !== 503),
      `statuses other than 401/503 for the ${name}'s token`,
    ).toEqual([])
  }
  await eventually(async () => {
    for (const token of Object.values(revoked)) {
      expect(countStatuses(await probeFor(token))).toEqual({ 401: 3 })
    }
  }, 10_000)
})
