import { beforeAll, describe, expect, it } from 'vitest'

import { expectJson, expectProblem, type Me, request } from './support/api.js'
import { login, registerVerifiedUser } from './support/users.js'

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>
}

function splitJwt(token: string): [string, string, string] {
  const [header, payload, signature] = token.split('.')
  if (header === undefined || payload === undefined || signature === undefined) {
    throw new Error(`not a JWS compact token: ${token}`)
  }
  return [header, payload, signature]
}

describe('access tokens on an authenticated route', () => {
  let accessToken: string

  beforeAll(async () => {
    const user = await registerVerifiedUser()
    accessToken = (await login(user)).accessToken
  })

  it('accepts the token as issued', async () => {
    expectJson<Me>(await request('/api/auth/me', { token: accessToken }), 200)
  })

  it('refuses a request without a token', async () => {
    expectProblem(await request('/api/auth/me'), 401, 'unauthorized')
  })

  it('refuses a token that is not a JWT', async () => {
    expectProblem(await request('/api/auth/me', { token: 'garbage' }), 401, 'unauthorized')
  })

  it('refuses a credential that is not a bearer token', async () => {
    const response = await request('/api/auth/me', {
      headers: { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
    })
    expectProblem(response, 401, 'unauthorized')
  })

  it('refuses an unsigned token (alg none) carrying real claims', async () => {
    const [header, payload] = splitJwt(accessToken)
    const unsigned = `${encodeSegment({ ...decodeSegment(header), alg: 'none' })}.${payload}.`
    expectProblem(await request('/api/auth/me', { token: unsigned }), 401, 'unauthorized')
  })

  it('refuses a token whose payload was changed after signing', async () => {
    const [header, payload, signature] = splitJwt(accessToken)
    const claims = decodeSegment(payload)
    const escalated = encodeSegment({ ...claims, role: 'admin', exp: Number(claims.exp) + 3600 })
    expect(escalated).not.toBe(payload)
    const tampered = `${header}.${escalated}.${signature}`
    expectProblem(await request('/api/auth/me', { token: tampered }), 401, 'unauthorized')
  })

  it('refuses a token whose signature was altered', async () => {
    const [header, payload, signature] = splitJwt(accessToken)
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
    const forged = `${header}.${payload}.${flipped}`
    expectProblem(await request('/api/auth/me', { token: forged }), 401, 'unauthorized')
  })
})
