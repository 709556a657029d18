import { describe, expect, it } from 'vitest'

import { expectProblem, request } from './support/api.js'
import { newUser } from './support/users.js'

describe('request bodies', () => {
  it('answers 400 malformed-request to a body that is not valid JSON', async () => {
    const response = await request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"login": "someone", "password": ',
    })
    expectProblem(response, 400, 'malformed-request')
  })

  it('answers 415 to a body that is not declared as JSON', async () => {
    const user = newUser()
    const response = await request('/api/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(user),
    })
    expectProblem(response, 415, 'unsupported-media-type')
  })

  it('answers 413 in JSON to a body over 1 MB', async () => {
    const user = newUser()
    const body = JSON.stringify({ ...user, displayName: 'x'.repeat(1_100_000) })
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024)
    const response = await request('/api/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expectProblem(response, 413, 'payload-too-large')
  })
})
