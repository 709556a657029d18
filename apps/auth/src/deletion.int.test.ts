import { randomBytes } from 'node:crypto'

import { UserBanned, UserDeleted, UserRoleChanged } from '@chatty/contracts'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type AuthHarness, login, registerVerified, startAuth } from './test/harness.js'

let auth: AuthHarness

beforeAll(async () => {
  auth = await startAuth()
})

afterAll(async () => {
  await auth?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

const adminId = '01900000-0000-7000-8000-000000000001'

/** A verified account with a fresh session. */
async function account(label = 'd') {
  const user = await registerVerified(auth, label)
  const { body } = await login(auth, user.username, user.password)
  return {
    ...user,
    id: (body.user as { id: string }).id,
    token: body.accessToken,
    refreshToken: body.refreshToken,
  }
}

function deleteAccount(token: string, password: string) {
  return auth.request('/api/users/me', { method: 'DELETE', token, body: { password } })
}

async function expectGone(user: Awaited<ReturnType<typeof account>>) {
  expect((await auth.request('/api/auth/me', { token: user.token })).status).toBe(401)
  const refresh = await auth.request('/api/auth/refresh', {
    body: { refreshToken: user.refreshToken },
  })
  expect(refresh.status).toBe(401)
  for (const name of [user.username, user.email]) {
    const attempt = await login(auth, name, user.password)
    expect(attempt.res.status).toBe(401)
    expect(attempt.body.code).toBe('invalid-credentials')
  }
  expect((await auth.request(`/api/users/${user.username}`)).status).toBe(404)
}

/** Registers again with the deleted account's username (another case) or its email. */
async function registerAgain(user: { username: string; email: string }) {
  const suffix = randomBytes(4).toString('hex')
  const sameName = await auth.request('/api/auth/register', {
    body: {
      username: user.username.toUpperCase(),
      email: `n.${suffix}@example.test`,
      password: 'another good password',
    },
  })
  const sameEmail = await auth.request('/api/auth/register', {
    body: { username: `n_${suffix}`, email: user.email, password: 'another good password' },
  })
  return { sameName, sameEmail }
}

describe('DELETE /api/users/me', () => {
  it('refuses a wrong password, then deletes the account for good and emits UserDeleted', async () => {
    const user = await account()

    const wrong = await deleteAccount(user.token, 'not my password')
    expect(wrong.status).toBe(422)
    const problem = await json(wrong)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors).toEqual([{ path: 'password', message: expect.any(String) }])
    expect((await auth.request('/api/auth/me', { token: user.token })).status).toBe(200)

    expect((await deleteAccount(user.token, user.password)).status).toBe(204)
    // Refused at once: the mark is written before the deletion commits.
    await expectGone(user)
    expect((await deleteAccount(user.token, user.password)).status).toBe(401)

    const event = await auth.events.next(
      (m) => m.body.type === 'UserDeleted' && m.body.data.userId === user.id,
    )
    expect(event.body.producer).toBe('auth')

    const { sameName, sameEmail } = await registerAgain(user)
    expect(sameName.status).toBe(409)
    expect((await json(sameName)).code).toBe('username-taken')
    expect(sameEmail.status).toBe(201)
    expect((await json(sameEmail)).email).toBe(user.email)
  })

  it('throttles wrong passwords with 429, checked before the password', async () => {
    const user = await account()
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await deleteAccount(user.token, `wrong ${attempt}`)).status).toBe(422)
    }
    const throttled = await deleteAccount(user.token, user.password)
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/)
    expect((await auth.request('/api/auth/me', { token: user.token })).status).toBe(200)
  })

  it('refuses a missing password, an unknown field and a missing token', async () => {
    const user = await account()
    const missing = await auth.request('/api/users/me', {
      method: 'DELETE',
      token: user.token,
      body: {},
    })
    expect(missing.status).toBe(422)
    expect((await json(missing)).errors[0].path).toBe('password')
    const extra = await auth.request('/api/users/me', {
      method: 'DELETE',
      token: user.token,
      body: { password: user.password, userId: adminId },
    })
    expect(extra.status).toBe(422)
    const anonymous = await auth.request('/api/users/me', {
      method: 'DELETE',
      body: { password: user.password },
    })
    expect(anonymous.status).toBe(401)
    expect((await auth.request('/api/auth/me', { token: user.token })).status).toBe(200)
  })

  it('keeps the last admin in good standing from deleting their account', async () => {
    const promote = async (userId: string) =>
      auth.deliver(UserRoleChanged, { userId, role: 'admin', changedBy: adminId })
    const first = await account('adm')
    await promote(first.id)
    const { body } = await login(auth, first.username, first.password)

    const refused = await deleteAccount(body.accessToken, first.password)
    expect(refused.status).toBe(422)
    expect((await json(refused)).code).toBe('last-admin')

    // A banned admin is no admin to leave the service to.
    const banned = await account('adm')
    await promote(banned.id)
    await auth.deliver(UserBanned, {
      userId: banned.id,
      reason: 'rogue',
      bannedBy: adminId,
      bannedAt: new Date().toISOString(),
    })
    expect((await deleteAccount(body.accessToken, first.password)).status).toBe(422)

    const second = await account('adm')
    await promote(second.id)
    expect((await deleteAccount(body.accessToken, first.password)).status).toBe(204)
    const secondLogin = (await login(auth, second.username, second.password)).body
    const last = await deleteAccount(secondLogin.accessToken, second.password)
    expect((await json(last)).code).toBe('last-admin')
  })
})

describe('UserDeleted from admin', () => {
  it('deletes the account as a self-deletion does, once however often it arrives', async () => {
    const user = await account()
    await auth.deliver(UserDeleted, { userId: user.id }, { producer: 'admin' })
    await expectGone(user)
    await auth.deliver(UserDeleted, { userId: user.id }, { producer: 'admin' })

    const { sameName, sameEmail } = await registerAgain(user)
    expect(sameName.status).toBe(409)
    expect(sameEmail.status).toBe(201)
    await auth.ctx.messaging.relay.flush()
    // admin announced it already; auth does not announce it again.
    expect(
      auth.events
        .messages()
        .filter(
          (m) =>
            m.body.type === 'UserDeleted' &&
            m.body.data.userId === user.id &&
            m.body.producer === 'auth',
        ),
    ).toEqual([])
    expect(await auth.deadLetterCount()).toBe(0)
  })

  it('skips an account auth does not have', async () => {
    await auth.deliver(UserDeleted, { userId: '01900000-0000-7000-8000-0000000000ff' })
    expect(await auth.deadLetterCount()).toBe(0)
  })
})

describe('UserRoleChanged', () => {
  it('refuses the tokens issued before it, and a refresh of the same session carries the new role', async () => {
    const user = await account('role')
    expect(decodeJwt(user.token).role).toBe('user')

    await auth.deliver(UserRoleChanged, { userId: user.id, role: 'moderator', changedBy: adminId })
    expect((await auth.request('/api/auth/me', { token: user.token })).status).toBe(401)

    const refreshed = await auth.request('/api/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    })
    expect(refreshed.status).toBe(200)
    const tokens = await json(refreshed)
    expect(tokens.user.role).toBe('moderator')
    expect(decodeJwt(tokens.accessToken).role).toBe('moderator')
    const me = await auth.request('/api/auth/me', { token: tokens.accessToken })
    expect(me.status).toBe(200)
    expect((await json(me)).role).toBe('moderator')
  })

  it('ignores a role change decided before the one already applied', async () => {
    const user = await account('role')
    await auth.deliver(UserRoleChanged, { userId: user.id, role: 'admin', changedBy: adminId })
    await auth.deliver(
      UserRoleChanged,
      { userId: user.id, role: 'user', changedBy: adminId },
      { occurredAt: new Date(Date.now() - 60_000) },
    )
    const { body } = await login(auth, user.username, user.password)
    expect(body.user).toMatchObject({ role: 'admin' })
    expect(decodeJwt(body.accessToken).role).toBe('admin')
  })

  it('demotes: the live admin token is refused, the next one is a user token', async () => {
    const user = await account('role')
    await auth.deliver(UserRoleChanged, { userId: user.id, role: 'admin', changedBy: adminId })
    const admin = (await login(auth, user.username, user.password)).body
    expect(decodeJwt(admin.accessToken).role).toBe('admin')
    await auth.deliver(UserRoleChanged, { userId: user.id, role: 'user', changedBy: adminId })
    expect((await auth.request('/api/auth/me', { token: admin.accessToken })).status).toBe(401)
    const refreshed = await json(
      await auth.request('/api/auth/refresh', { body: { refreshToken: admin.refreshToken } }),
    )
    expect(decodeJwt(refreshed.accessToken).role).toBe('user')
  })
})
