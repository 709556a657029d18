import { Agent, request as httpRequest } from 'node:http'

import { expect, it } from 'vitest'

import { baseUrl, post } from '../e2e/support/api.js'
import { registerVerifiedUser } from '../e2e/support/users.js'
import { countStatuses } from './support/traffic.js'

/** POSTs a JSON body over `agent`; answers the status and whether the socket was reused. */
function postOver(agent: Agent, path: string, body: string) {
  return new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume()
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, reused: request.reusedSocket }),
        )
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}

it('serves the next POSTs after an oversized body, on the same connection and on others', async () => {
  const user = await registerVerifiedUser()
  const credentials = JSON.stringify({ login: user.username, password: user.password })
  const oversized = JSON.stringify({ login: user.username, password: 'x'.repeat(900_000) })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const rejected: number[] = []
  const sameConnection: { status: number; reused: boolean }[] = []
  const others: number[] = []

  try {
    for (let round = 0; round < 3; round++) {
      rejected.push((await postOver(agent, '/api/auth/login', oversized)).status)
      const [next, ...parallel] = await Promise.all([
        postOver(agent, '/api/auth/login', credentials),
        ...Array.from({ length: 4 }, () =>
          post('/api/auth/login', { login: user.username, password: user.password }),
        ),
      ])
      sameConnection.push(next as { status: number; reused: boolean })
      others.push(...parallel.map((response) => (response as { status: number }).status))
    }
  } finally {
    agent.destroy()
  }
  console.log(
    `[faults] ~900 KB login bodies answered ${JSON.stringify(countStatuses(rejected))}; the next POST on the same connection ${JSON.stringify(countStatuses(sameConnection.map((answer) => answer.status)))} (reused: ${sameConnection.filter((answer) => answer.reused).length}/${sameConnection.length}); other clients ${JSON.stringify(countStatuses(others))}`,
  )
  for (const status of rejected) expect([413, 422]).toContain(status)
  expect(sameConnection.map((answer) => answer.status)).toEqual([200, 200, 200])
  expect(others.every((status) => status === 200)).toBe(true)
})
