import { UnavailableError } from '@chatty/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type AuthHarness, registerVerified, startAuth } from './test/harness.js'

let auth: AuthHarness

beforeAll(async () => {
  auth = await startAuth()
})

afterAll(async () => {
  await auth?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

interface Tokens {
  accessToken: string
  refreshToken: string
  user: { id: string }
}

/** Logs in from a device: a client address and a user agent. */
async function loginFrom(
  user: { username: string; password: string },
  device: { ip: string; userAgent: string },
): Promise<Tokens> {
  const res = await auth.request('/api/auth/login', {
    body: { login: user.username, password: user.password },
    ip: device.ip,
    headers: { 'user-agent': device.userAgent },
  })
  expect(res.status).toBe(200)
  return (await res.json()) as Tokens
}

async function listSessions(accessToken: string) {
  const res = await auth.request('/api/auth/sessions', { token: accessToken })
  expect(res.status).toBe(200)
  return (await json(res)).items as {
    id: string
    createdAt: string
    lastUsedAt: string
    ip: string | null
    userAgent: string | null
    current: boolean
  }[]
}

const endSession = (accessToken: string, sessionId: string) =>
  auth.request(`/api/auth/sessions/${sessionId}`, { method: 'DELETE', token: accessToken })

/** The session id (`sid`) an access token belongs to. */
const sessionOf = (accessToken: string): string =>
  JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()).sid

describe('listing sessions', () => {
  it('lists live sessions with address and user agent, the caller current, the most recently used first', async () => {
    const user = await registerVerified(auth, 'list')
    const laptop = await loginFrom(user, { ip: '10.9.0.1', userAgent: 'Laptop/1.0' })
    auth.advance(1_000)
    const phone = await loginFrom(user, { ip: '10.9.0.2', userAgent: 'Phone/2.0' })
    auth.advance(1_000)
    const ended = await loginFrom(user, { ip: '10.9.0.3', userAgent: 'Kiosk/3.0' })
    await auth.request('/api/auth/logout', { body: { refreshToken: ended.refreshToken } })

    const fromPhone = await listSessions(phone.accessToken)
    expect(fromPhone).toEqual([
      {
        id: sessionOf(phone.accessToken),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        ip: '10.9.0.2',
        userAgent: 'Phone/2.0',
        current: true,
      },
      {
        id: sessionOf(laptop.accessToken),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        ip: '10.9.0.1',
        userAgent: 'Laptop/1.0',
        current: false,
      },
    ])

    const fromLaptop = await listSessions(laptop.accessToken)
    expect(fromLaptop.map((session) => [session.id, session.current])).toEqual([
      [sessionOf(phone.accessToken), false],
      [sessionOf(laptop.accessToken), true],
    ])
  })

  it('moves lastUsedAt of a session when it is refreshed, so it comes first', async () => {
    const user = await registerVerified(auth, 'used')
    const laptop = await loginFrom(user, { ip: '10.9.1.1', userAgent: 'Laptop/1.0' })
    auth.advance(1_000)
    const phone = await loginFrom(user, { ip: '10.9.1.2', userAgent: 'Phone/2.0' })
    const [before] = (await listSessions(phone.accessToken)).filter(
      (session) => session.id === sessionOf(laptop.accessToken),
    )
    expect(before?.lastUsedAt).toBe(before?.createdAt)

    auth.advance(60_000)
    const refreshed = await auth.request('/api/auth/refresh', {
      body: { refreshToken: laptop.refreshToken },
    })
    expect(refreshed.status).toBe(200)

    const after = await listSessions(phone.accessToken)
    expect(after.map((session) => session.id)).toEqual([
      sessionOf(laptop.accessToken),
      sessionOf(phone.accessToken),
    ])
    expect(after[0]?.createdAt).toBe(before?.createdAt)
    expect(
      Date.parse(after[0]?.lastUsedAt ?? '') - Date.parse(before?.lastUsedAt ?? ''),
    ).toBeGreaterThanOrEqual(61_000)
  })

  it('leaves out sessions past their lifetime', async () => {
    const user = await registerVerified(auth, 'old')
    const old = await loginFrom(user, { ip: '10.9.2.1', userAgent: 'Old/1.0' })
    auth.advance(31 * 86_400_000)
    try {
      const fresh = await loginFrom(user, { ip: '10.9.2.2', userAgent: 'New/1.0' })
      const listed = await listSessions(fresh.accessToken)
      expect(listed.map((session) => session.id)).toEqual([sessionOf(fresh.accessToken)])
      expect(listed.map((session) => session.id)).not.toContain(sessionOf(old.accessToken))
    } finally {
      auth.advance(-31 * 86_400_000)
    }
  })

  it('needs an access token', async () => {
    const res = await auth.request('/api/auth/sessions')
    expect(res.status).toBe(401)
    expect((await json(res)).code).toBe('unauthorized')
  })
})

describe('ending a session', () => {
  it("ends another of the caller's sessions: its access token is refused at once, its refresh token dies", async () => {
    const user = await registerVerified(auth, 'end')
    const mine = await loginFrom(user, { ip: '10.9.3.1', userAgent: 'Mine/1.0' })
    const lost = await loginFrom(user, { ip: '10.9.3.2', userAgent: 'Lost/1.0' })
    expect((await auth.request('/api/auth/me', { token: lost.accessToken })).status).toBe(200)

    const res = await endSession(mine.accessToken, sessionOf(lost.accessToken))
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')

    // The shared verifier every service runs refuses it, not only auth's routes.
    await expect(auth.ctx.verifyAccessToken(lost.accessToken)).rejects.toMatchObject({
      status: 401,
    })
    expect((await auth.request('/api/auth/me', { token: lost.accessToken })).status).toBe(401)
    const refresh = await auth.request('/api/auth/refresh', {
      body: { refreshToken: lost.refreshToken },
    })
    expect(refresh.status).toBe(401)

    expect((await auth.request('/api/auth/me', { token: mine.accessToken })).status).toBe(200)
    expect((await listSessions(mine.accessToken)).map((session) => session.id)).toEqual([
      sessionOf(mine.accessToken),
    ])
  })

  it('ends the current session too, like a logout', async () => {
    const user = await registerVerified(auth, 'self')
    const tokens = await loginFrom(user, { ip: '10.9.4.1', userAgent: 'Self/1.0' })
    expect((await endSession(tokens.accessToken, sessionOf(tokens.accessToken))).status).toBe(204)
    expect((await auth.request('/api/auth/me', { token: tokens.accessToken })).status).toBe(401)
  })

  it("answers 404 for another user's session, an unknown id, a malformed id and an ended session", async () => {
    const owner = await registerVerified(auth, 'own')
    const stranger = await registerVerified(auth, 'str')
    const ownerTokens = await loginFrom(owner, { ip: '10.9.5.1', userAgent: 'Owner/1.0' })
    const strangerTokens = await loginFrom(stranger, { ip: '10.9.5.2', userAgent: 'Str/1.0' })
    const ended = await loginFrom(owner, { ip: '10.9.5.3', userAgent: 'Ended/1.0' })
    await auth.request('/api/auth/logout', { body: { refreshToken: ended.refreshToken } })

    for (const id of [
      sessionOf(ownerTokens.accessToken),
      '01900000-0000-7000-8000-00000000abcd',
      'not-a-session',
      sessionOf(ended.accessToken),
    ]) {
      const res = await endSession(strangerTokens.accessToken, id)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect((await json(res)).code).toBe('not-found')
    }
    expect((await endSession(ownerTokens.accessToken, sessionOf(ended.accessToken))).status).toBe(
      404,
    )
    expect((await auth.request('/api/auth/me', { token: ownerTokens.accessToken })).status).toBe(
      200,
    )
  })

  it('answers 404 the second time a session is ended', async () => {
    const user = await registerVerified(auth, 'twice')
    const mine = await loginFrom(user, { ip: '10.9.6.1', userAgent: 'Mine/1.0' })
    const other = await loginFrom(user, { ip: '10.9.6.2', userAgent: 'Other/1.0' })
    expect((await endSession(mine.accessToken, sessionOf(other.accessToken))).status).toBe(204)
    expect((await endSession(mine.accessToken, sessionOf(other.accessToken))).status).toBe(404)
  })

  it('answers 503 and ends nothing when Redis cannot take the revocation mark', async () => {
    const user = await registerVerified(auth, 'down')
    const mine = await loginFrom(user, { ip: '10.9.7.1', userAgent: 'Mine/1.0' })
    const other = await loginFrom(user, { ip: '10.9.7.2', userAgent: 'Other/1.0' })
    const { write } = auth.ctx.revocationMarks
    auth.ctx.revocationMarks.write = () => Promise.reject(new UnavailableError())
    try {
      const res = await endSession(mine.accessToken, sessionOf(other.accessToken))
      expect(res.status).toBe(503)
      expect((await json(res)).code).toBe('unavailable')
    } finally {
      auth.ctx.revocationMarks.write = write
    }
    expect((await listSessions(mine.accessToken)).map((session) => session.id)).toContain(
      sessionOf(other.accessToken),
    )
    expect((await auth.request('/api/auth/me', { token: other.accessToken })).status).toBe(200)
  })
})

describe('documentation', () => {
  it('describes the session routes in the OpenAPI document', async () => {
    const doc = await json(await auth.request('/api/auth/openapi.json'))
    expect(Object.keys(doc.paths['/api/auth/sessions'])).toContain('get')
    expect(Object.keys(doc.paths['/api/auth/sessions/{id}'])).toContain('delete')
    expect(doc.paths['/api/auth/sessions/{id}'].delete.responses).toHaveProperty('404')
    expect(doc.components.schemas.Session).toBeDefined()
  })
})
