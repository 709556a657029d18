import { randomBytes } from 'node:crypto'

import { Followed, Unfollowed, UserBanned, UserUnbanned } from '@chatty/contracts'
import { InboxMessage, inTransaction } from '@chatty/db'
import { eventually } from '@chatty/testing'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { bootstrapAdmin } from './domain/accounts.js'
import { FollowState } from './entities/follow-state.entity.js'
import {
  type AuthHarness,
  login,
  registerVerified,
  startAuth,
  uniqueUser,
  verificationCode,
} from './test/harness.js'

let auth: AuthHarness

beforeAll(async () => {
  auth = await startAuth()
})

afterAll(async () => {
  await auth?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

describe('registration', () => {
  it('creates an unverified account, emits UserRegistered and requests the verification email', async () => {
    const user = uniqueUser('reg')
    const res = await auth.request('/api/auth/register', { body: { ...user, displayName: 'Reg' } })
    expect(res.status).toBe(201)
    const me = await json(res)
    expect(me).toMatchObject({
      username: user.username,
      email: user.email,
      displayName: 'Reg',
      emailVerified: false,
      role: 'user',
      status: 'active',
      followersCount: 0,
    })
    expect(me).not.toHaveProperty('passwordHash')

    const command = await auth.commands.next((m) => m.body.data.to === user.email)
    expect(command.body.type).toBe('SendEmail')
    expect(command.body.data).toMatchObject({ template: 'verify-email', userId: me.id })
    const params = command.body.data.params as Record<string, string>
    expect(params.code).toMatch(/^\d{6}$/)
    expect(params.link).toBe(
      `http://chatty.test/verify-email?email=${encodeURIComponent(user.email)}&code=${params.code}`,
    )

    const event = await auth.events.next(
      (m) => m.body.type === 'UserRegistered' && m.body.data.userId === me.id,
    )
    expect(event.routingKey).toBe('user.registered')
    expect(event.messageId).toBe(event.body.id)
    expect(JSON.stringify(event.body)).not.toContain(params.code)
  })

  it('refuses a taken username in any case, and a taken email', async () => {
    const user = uniqueUser('dup')
    expect((await auth.request('/api/auth/register', { body: user })).status).toBe(201)

    const sameName = await auth.request('/api/auth/register', {
      body: { ...uniqueUser('x'), username: user.username.toUpperCase() },
    })
    expect(sameName.status).toBe(409)
    expect((await json(sameName)).code).toBe('username-taken')

    const sameEmail = await auth.request('/api/auth/register', {
      body: { ...uniqueUser('y'), email: user.email.toUpperCase() },
    })
    expect(sameEmail.status).toBe(409)
    expect((await json(sameEmail)).code).toBe('email-taken')
  })

  it('refuses the loser of two concurrent registrations of one username or email with 409', async () => {
    for (const [field, code] of [
      ['username', 'username-taken'],
      ['email', 'email-taken'],
    ] as const) {
      const first = uniqueUser('race')
      const second = { ...uniqueUser('race'), [field]: first[field] }
      const results = await Promise.all(
        [first, second].map((body) => auth.request('/api/auth/register', { body })),
      )
      expect(results.map((res) => res.status).sort()).toEqual([201, 409])
      const refused = results.find((res) => res.status === 409) as Response
      expect((await json(refused)).code).toBe(code)
    }
  })

  it.each([
    ['email', { email: 'not-an-email' }],
    ['password', { password: 'short' }],
    ['password', { password: 'é'.repeat(37) }],
    ['username', { username: 'me' }],
    ['username', { username: 'has space' }],
    ['(body)', { role: 'admin' }],
  ])('answers 422 naming %s for %j', async (field, override) => {
    const res = await auth.request('/api/auth/register', {
      body: { ...uniqueUser('bad'), ...override },
    })
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(field)
  })

  it('limits registrations per client address with 429', async () => {
    const ip = `192.0.${randomBytes(2).join('.')}`
    const statuses: number[] = []
    for (let attempt = 0; attempt < 11; attempt++) {
      const res = await auth.request('/api/auth/register', { body: uniqueUser('ip'), ip })
      statuses.push(res.status)
    }
    expect(statuses.slice(0, 10).every((status) => status === 201)).toBe(true)
    expect(statuses[10]).toBe(429)
  })

  it('accepts a password of exactly 72 UTF-8 bytes', async () => {
    const res = await auth.request('/api/auth/register', {
      body: { ...uniqueUser('p72'), password: 'é'.repeat(36) },
    })
    expect(res.status).toBe(201)
  })
})

describe('email verification', () => {
  it('verifies with the emailed code, emits UserEmailVerified, and is idempotent', async () => {
    const user = uniqueUser('ver')
    await auth.request('/api/auth/register', { body: user })
    const code = await verificationCode(auth, user.email)

    const res = await auth.request('/api/auth/verify-email', { body: { email: user.email, code } })
    expect(res.status).toBe(200)
    const me = await json(res)
    expect(me.emailVerified).toBe(true)
    await auth.events.next(
      (m) => m.body.type === 'UserEmailVerified' && m.body.data.userId === me.id,
    )

    const again = await auth.request('/api/auth/verify-email', {
      body: { email: user.email, code },
    })
    expect(again.status).toBe(200)
  })

  it('kills the code after five wrong attempts', async () => {
    const user = uniqueUser('att')
    await auth.request('/api/auth/register', { body: user })
    const code = await verificationCode(auth, user.email)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await auth.request('/api/auth/verify-email', {
        body: { email: user.email, code: wrong },
      })
      expect((await json(res)).code).toBe('invalid-code')
    }
    const right = await auth.request('/api/auth/verify-email', {
      body: { email: user.email, code },
    })
    expect(right.status).toBe(422)
    expect((await json(right)).code).toBe('invalid-code')

    expect(
      (await auth.request('/api/auth/verify-email/resend', { body: { email: user.email } })).status,
    ).toBe(202)
    const fresh = await verificationCode(auth, user.email, 2)
    const ok = await auth.request('/api/auth/verify-email', {
      body: { email: user.email, code: fresh },
    })
    expect(ok.status).toBe(200)
  })

  it('answers code-expired after 30 minutes', async () => {
    const user = uniqueUser('exp')
    await auth.request('/api/auth/register', { body: user })
    const code = await verificationCode(auth, user.email)
    auth.advance(31 * 60_000)
    try {
      const res = await auth.request('/api/auth/verify-email', {
        body: { email: user.email, code },
      })
      expect(res.status).toBe(422)
      expect((await json(res)).code).toBe('code-expired')
    } finally {
      auth.advance(-31 * 60_000)
    }
  })

  it('answers 202 to a resend for an unknown address and sends nothing', async () => {
    const nobody = uniqueUser('nobody').email
    const before = auth.commands.messages().length
    const res = await auth.request('/api/auth/verify-email/resend', {
      body: { email: nobody },
    })
    expect(res.status).toBe(202)
    await auth.ctx.messaging.relay.flush()
    expect(
      auth.commands
        .messages()
        .slice(before)
        .filter((m) => m.body.data.to === nobody),
    ).toEqual([])
  })
})

describe('login and tokens', () => {
  it('logs in by username and by email, and the access token reads me', async () => {
    const user = await registerVerified(auth, 'log')
    for (const name of [user.username, user.email.toUpperCase()]) {
      const { res, body } = await login(auth, name, user.password)
      expect(res.status).toBe(200)
      expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 })
      expect(body.user).toMatchObject({ username: user.username, emailVerified: true })
      const me = await auth.request('/api/auth/me', { token: body.accessToken })
      expect(me.status).toBe(200)
      expect((await json(me)).email).toBe(user.email)
    }
  })

  it('answers wrong password and unknown user identically', async () => {
    const user = await registerVerified(auth, 'ident')
    const wrong = await login(auth, user.username, 'wrong password!')
    const unknown = await login(auth, uniqueUser('nobody').username, 'wrong password!')
    expect(wrong.res.status).toBe(401)
    expect(unknown.res.status).toBe(401)
    expect(wrong.body).toEqual(unknown.body)
    expect(wrong.body.code).toBe('invalid-credentials')
  })

  it('throttles repeated failed logins of one account with 429 and Retry-After', async () => {
    const user = await registerVerified(auth, 'thr')
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await login(auth, user.username, 'nope nope nope')).res.status).toBe(401)
    }
    const { res, body } = await login(auth, user.username, user.password)
    expect(res.status).toBe(429)
    expect(body.code).toBe('rate-limited')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('counts failures per account, whether the username or the email is typed', async () => {
    const user = await registerVerified(auth, 'both')
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await login(auth, user.username, 'nope nope nope')).res.status).toBe(401)
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await login(auth, user.email, 'nope nope nope')).res.status).toBe(401)
    }
    expect((await login(auth, user.email, user.password)).res.status).toBe(429)
  })

  it('rotates refresh tokens and treats reuse of a rotated one as theft', async () => {
    const user = await registerVerified(auth, 'rot')
    const first = (await login(auth, user.username, user.password)).body

    const rotated = await auth.request('/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    })
    expect(rotated.status).toBe(200)
    const second = await json(rotated)
    expect(second.refreshToken).not.toBe(first.refreshToken)

    const replay = await auth.request('/api/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    })
    expect(replay.status).toBe(401)
    expect((await json(replay)).code).toBe('invalid-refresh-token')

    const afterTheft = await auth.request('/api/auth/refresh', {
      body: { refreshToken: second.refreshToken },
    })
    expect(afterTheft.status).toBe(401)
    expect((await auth.request('/api/auth/me', { token: second.accessToken })).status).toBe(401)
  })

  it('lets only one of two concurrent refreshes with the same token succeed', async () => {
    const user = await registerVerified(auth, 'race')
    const { refreshToken } = (await login(auth, user.username, user.password)).body
    const results = await Promise.all([
      auth.request('/api/auth/refresh', { body: { refreshToken } }),
      auth.request('/api/auth/refresh', { body: { refreshToken } }),
    ])
    expect(results.map((res) => res.status).sort()).toEqual([200, 401])
  })

  it('logout ends the session: its access token and refresh token stop working', async () => {
    const user = await registerVerified(auth, 'out')
    const tokens = (await login(auth, user.username, user.password)).body
    const other = (await login(auth, user.username, user.password)).body
    const res = await auth.request('/api/auth/logout', {
      body: { refreshToken: tokens.refreshToken },
    })
    expect(res.status).toBe(204)
    expect((await auth.request('/api/auth/me', { token: tokens.accessToken })).status).toBe(401)
    expect(
      (await auth.request('/api/auth/refresh', { body: { refreshToken: tokens.refreshToken } }))
        .status,
    ).toBe(401)
    expect((await auth.request('/api/auth/me', { token: other.accessToken })).status).toBe(200)
  })

  it('logout-all ends every session of the user', async () => {
    const user = await registerVerified(auth, 'all')
    const a = (await login(auth, user.username, user.password)).body
    const b = (await login(auth, user.username, user.password)).body
    expect(
      (await auth.request('/api/auth/logout-all', { method: 'POST', token: a.accessToken })).status,
    ).toBe(204)
    expect((await auth.request('/api/auth/me', { token: a.accessToken })).status).toBe(401)
    expect((await auth.request('/api/auth/me', { token: b.accessToken })).status).toBe(401)
  })
})

describe('access token verification', () => {
  const unauthorized = async (authorization: string) => {
    const res = await auth.app.request('/api/auth/me', { headers: { authorization } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  }

  it('rejects a missing, garbage, unsigned or tampered token', async () => {
    expect((await auth.request('/api/auth/me')).status).toBe(401)
    await unauthorized('Bearer not.a.token')
    await unauthorized('Basic dXNlcjpwYXNz')

    const user = await registerVerified(auth, 'tok')
    const { accessToken } = (await login(auth, user.username, user.password)).body
    const [header, payload] = accessToken.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())

    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')
    await unauthorized(`Bearer ${none}.${payload}.`)

    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')
    await unauthorized(`Bearer ${header}.${forged}.${accessToken.split('.')[2]}`)

    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode('guessable-secret-guessable-secret'))
    await unauthorized(`Bearer ${hmac}`)
  })

  it('publishes the signing key in the JWKS', async () => {
    const user = await registerVerified(auth, 'jwks')
    const { accessToken } = (await login(auth, user.username, user.password)).body
    const { kid } = JSON.parse(
      Buffer.from(accessToken.split('.')[0] as string, 'base64url').toString(),
    )
    const jwks = await json(await auth.request('/api/auth/.well-known/jwks.json'))
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toContain(kid)
    expect(JSON.stringify(jwks)).not.toContain('"d"')
  })
})

describe('moderation events', () => {
  const adminId = '01900000-0000-7000-8000-000000000001'

  it('a ban refuses login, kills live tokens at once and emails the user; unban restores login only', async () => {
    const user = await registerVerified(auth, 'ban')
    const before = (await login(auth, user.username, user.password)).body
    const userId = (before.user as { id: string }).id

    await auth.publish(UserBanned, {
      userId,
      reason: 'spam',
      bannedBy: adminId,
      bannedAt: new Date().toISOString(),
    })
    await eventually(async () => {
      expect((await auth.request('/api/auth/me', { token: before.accessToken })).status).toBe(401)
    }, 2_000)
    const refused = await login(auth, user.username, user.password)
    expect(refused.res.status).toBe(403)
    expect(refused.body.code).toBe('account-banned')
    expect(
      (await auth.request('/api/auth/refresh', { body: { refreshToken: before.refreshToken } }))
        .status,
    ).toBe(401)
    const mail = await auth.commands.next(
      (m) => m.body.data.to === user.email && m.body.data.template === 'account-banned',
    )
    expect(mail.body.data.params).toMatchObject({ reason: 'spam' })

    await auth.publish(UserUnbanned, {
      userId,
      unbannedBy: adminId,
      unbannedAt: new Date(Date.now() + 1).toISOString(),
    })
    const after = await eventually(async () => {
      const attempt = await login(auth, user.username, user.password)
      expect(attempt.res.status).toBe(200)
      return attempt.body
    }, 2_000)
    expect((await auth.request('/api/auth/me', { token: after.accessToken })).status).toBe(200)
    expect((await auth.request('/api/auth/me', { token: before.accessToken })).status).toBe(401)
  })

  it('ignores a ban that is older than the unban already applied', async () => {
    const user = await registerVerified(auth, 'late')
    const { body } = await login(auth, user.username, user.password)
    const userId = (body.user as { id: string }).id
    const bannedAt = new Date(Date.now() - 60_000).toISOString()
    await auth.publish(UserBanned, { userId, reason: 'x', bannedBy: adminId, bannedAt })
    await auth.publish(UserUnbanned, {
      userId,
      unbannedBy: adminId,
      unbannedAt: new Date().toISOString(),
    })
    await auth.publish(UserBanned, { userId, reason: 'x', bannedBy: adminId, bannedAt })
    await auth.ctx.messaging.relay.flush()
    await eventually(async () => {
      expect((await login(auth, user.username, user.password)).res.status).toBe(200)
    }, 3_000)
  })

  it('counts followers and following from follow events', async () => {
    const a = await registerVerified(auth, 'fa')
    const b = await registerVerified(auth, 'fb')
    const aId = ((await login(auth, a.username, a.password)).body.user as { id: string }).id
    const bLogin = (await login(auth, b.username, b.password)).body
    const bId = (bLogin.user as { id: string }).id
    await auth.publish(Followed, { followerId: aId, followeeId: bId, at: new Date().toISOString() })
    await eventually(async () => {
      const me = await json(await auth.request('/api/auth/me', { token: bLogin.accessToken }))
      expect(me.followersCount).toBe(1)
    }, 2_000)
  })

  it('keeps counters right when an unfollow overtakes its follow', async () => {
    const a = await registerVerified(auth, 'oa')
    const b = await registerVerified(auth, 'ob')
    const aLogin = (await login(auth, a.username, a.password)).body
    const bLogin = (await login(auth, b.username, b.password)).body
    const pair = {
      followerId: (aLogin.user as { id: string }).id,
      followeeId: (bLogin.user as { id: string }).id,
    }
    const followedAt = new Date(Date.now() - 1_000).toISOString()
    const delivered = [
      (await auth.publish(Unfollowed, { ...pair, at: new Date().toISOString() })).id,
      (await auth.publish(Followed, { ...pair, at: followedAt })).id,
      (await auth.publish(Followed, { ...pair, at: followedAt })).id,
    ]
    const counters = async (token: string) => {
      const me = await json(await auth.request('/api/auth/me', { token }))
      return { followers: me.followersCount, following: me.followingCount }
    }
    await eventually(async () => {
      const handled = await auth.ctx.orm.em
        .fork()
        .count(InboxMessage, { consumer: 'auth', messageId: { $in: delivered } })
      expect(handled).toBe(3)
    }, 3_000)
    expect(await counters(aLogin.accessToken)).toEqual({ followers: 0, following: 0 })
    expect(await counters(bLogin.accessToken)).toEqual({ followers: 0, following: 0 })
    const state = await auth.ctx.orm.em.fork().findOneOrFail(FollowState, pair)
    expect(state.following).toBe(false)
  })
})

describe('admin bootstrap', () => {
  it('creates a verified admin once, and promotes an existing account', async () => {
    const admin = uniqueUser('boss')
    const bootstrap = (account: typeof admin) =>
      inTransaction(auth.ctx.orm.em, (em) => bootstrapAdmin(em, auth.ctx, account))
    const created = await bootstrap(admin)
    expect(created).toMatchObject({ role: 'admin' })
    const again = await bootstrap(admin)
    expect(again.id).toBe(created.id)
    const { body } = await login(auth, admin.username, admin.password)
    expect(body.user).toMatchObject({ role: 'admin', emailVerified: true })

    const existing = await registerVerified(auth, 'promo')
    const promoted = await bootstrap({ ...existing, password: 'ignored password' })
    expect(promoted.role).toBe('admin')
    await auth.events.next(
      (m) => m.body.type === 'UserRoleChanged' && m.body.data.userId === promoted.id,
    )
  })
})
