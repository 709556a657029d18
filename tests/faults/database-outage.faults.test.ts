import { setTimeout as sleep } from 'node:timers/promises'

import { expect, it } from 'vitest'

import { type ApiResponse, post, request } from '../e2e/support/api.js'
import { publish, waitForFeedToContain } from '../e2e/support/social.js'
import { cutPostgres, restorePostgres } from './support/faults.js'
import { countStatuses, registerAudience } from './support/traffic.js'

it('answers 503 problems, never 500, while PostgreSQL is cut, and recovers', async () => {
  const {
    authors: [author],
    followers: [follower],
  } = await registerAudience(1, 1)
  if (!author || !follower) throw new Error('no audience')
  const answers: { response: ApiResponse; ms: number }[] = []
  const timed = async (send: () => Promise<ApiResponse>) => {
    const start = Date.now()
    const response = await send()
    answers.push({ response, ms: Date.now() - start })
  }

  await cutPostgres()
  try {
    const deadline = Date.now() + 5_000
    while (Date.now() < deadline) {
      await Promise.all([
        timed(() => post('/api/posts', { content: 'during the cut' }, { token: author.token })),
        timed(() => request('/api/feed', { token: follower.token })),
        timed(() => request('/api/auth/me', { token: follower.token })),
        timed(() => request(`/api/subscriptions/${author.username}/followers`)),
      ])
      await sleep(200)
    }
  } finally {
    await restorePostgres()
  }
  const restoredAt = Date.now()
  const statuses = answers.map(({ response }) => response.status)
  console.log(
    `[faults] PostgreSQL cut 5 s: ${answers.length} requests, statuses ${JSON.stringify(countStatuses(statuses))}, slowest ${Math.max(...answers.map(({ ms }) => ms))} ms`,
  )
  const unexpected = answers
    .map(({ response }) => response)
    .filter(
      (response) =>
        response.status >= 300 &&
        !(
          response.status === 503 &&
          response.headers.get('content-type')?.startsWith('application/problem+json')
        ),
    )
    .map((response) => `${response.status} ${response.text.slice(0, 100)}`)

  const after = await publish(author)
  await waitForFeedToContain(follower, after.id, 30_000)
  console.log(
    `[faults] PostgreSQL back: a new post reached the follower's feed ${Date.now() - restoredAt} ms after the restore`,
  )
  expect(unexpected, 'answers other than 2xx or a 503 problem').toEqual([])
})
