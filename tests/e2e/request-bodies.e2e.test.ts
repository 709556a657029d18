import { connect } from 'node:net'

import { describe, expect, it } from 'vitest'

import { baseUrl, expectProblem, request } from './support/api.js'
import { registerMember } from './support/social.js'
import { newUser, uniqueSuffix } from './support/users.js'

/** Sends `head` (a request line and headers, no body) as it is and answers the status line. */
function rawStatusLine(head: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(head))
    let received = ''
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      const end = received.indexOf('\r\n')
      if (end < 0) return
      socket.destroy()
      resolve(received.slice(0, end))
    })
    socket.on('error', reject)
  })
}

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

  it('takes a POST with no body that declares neither a length nor a type, as curl -X POST sends it', async () => {
    const follower = await registerMember()
    const followee = await registerMember()
    const status = await rawStatusLine(
      [
        `POST /api/subscriptions/${followee.username} HTTP/1.1`,
        `Host: ${new URL(baseUrl).host}`,
        `Authorization: Bearer ${follower.token}`,
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    )
    expect(status).toBe('HTTP/1.1 201 Created')
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

describe('an oversized body', () => {
  // About 900 KB: over the services' limit, under what the gateway used to let through.
  const oversized = JSON.stringify({
    login: 'someone',
    password: 'x',
    content: 'x'.repeat(900_000),
  })

  it.each([
    // A new unknown login each time, so the per-account failure limit never answers instead.
    ['/api/auth/login', () => ({ login: `nobody_${uniqueSuffix()}`, password: 'wrong' }), 401],
    ['/api/posts', () => ({ content: 'hello' }), 401],
  ])(
    'to %s gets a JSON 413 and the next POSTs on kept-alive connections still work',
    async (path, followUp, status) => {
      const refused = await request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: oversized,
      })
      expectProblem(refused, 413, 'payload-too-large')
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff')

      const statuses: number[] = []
      for (let index = 0; index < 20; index += 1) {
        statuses.push((await request(path, { method: 'POST', json: followUp() })).status)
      }
      expect(statuses.filter((answered) => answered === 502)).toEqual([])
      expect(statuses).toEqual(Array.from({ length: 20 }, () => status))
    },
  )
})
