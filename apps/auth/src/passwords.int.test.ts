import { randomBytes } from 'node:crypto'

import { inTransaction, OutboxMessage } from '@chatty/db'
import { UnavailableError } from '@chatty/domain'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { bootstrapAdmin } from './domain/accounts.js'
import { sha256 } from './domain/secrets.js'
import { PasswordReset } from './entities/password-reset.entity.js'
import { User } from './entities/user.entity.js'
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
const NEW_PASSWORD = 'a brand new passphrase'

interface SentEmail {
  to: string
  userId: string
  template: string
  params: Record<string, string>
}

/** The SendEmail commands of one template to one address, in the order they were published. */
function emailsTo(email: string, template: string): SentEmail[] {
  return auth.commands
    .messages()
    .map((message) => message.body.data as unknown as SentEmail)
    .filter((data) => data.to === email && data.template === template)
}

/** Waits for the `nth` (1-based) email of a template to an address. */
function nthEmail(email: string, template: string, nth = 1): Promise<SentEmail> {
  return eventually(() => {
    const sent = emailsTo(email, template)[nth - 1]
    if (!sent) throw new Error(`waiting for ${template} email ${nth} to ${email}`)
    return sent
  })
}

/** The token of the `nth` reset link emailed to an address. */
async function resetToken(email: string, nth = 1): Promise<string> {
  const { params } = await nthEmail(email, 'password-reset', nth)
  return new URL(params.link as string).searchParams.get('token') as string
}

const forgot = (email: string, ip?: string) =>
  auth.request('/api/auth/password/forgot', { body: { email }, ip })

const reset = (token: string, password = NEW_PASSWORD, ip?: string) =>
  auth.request('/api/auth/password/reset', { body: { token, password }, ip })

const change = (accessToken: string, currentPassword: string, newPassword = NEW_PASSWORD) =>
  auth.request('/api/auth/password/change', {
    body: { currentPassword, newPassword },
    token: accessToken,
  })

const outboxSize = () => auth.ctx.orm.em.fork().count(OutboxMessage, {})

const freshIp = () => `172.16.${randomBytes(2).join('.')}`

async function expectRefused(accessToken: string, refreshToken: string) {
  await expect(auth.ctx.verifyAccessToken(accessToken)).rejects.toMatchObject({ status: 401 })
  expect((await auth.request('/api/auth/me', { token: accessToken })).status).toBe(401)
  const refreshed = await auth.request('/api/auth/refresh', { body: { refreshToken } })
  expect(refreshed.status).toBe(401)
}

async function expectInvalidToken(res: Response) {
  expect(res.status).toBe(422)
  const problem = await json(res)
  expect(problem.code).toBe('invalid-token')
  expect(problem.errors.map((error: { path: string }) => error.path)).toEqual(['token'])
}

describe('forgot password', () => {
  it('answers an unknown address exactly like a known one, and enqueues nothing for it', async () => {
    const known = await registerVerified(auth, 'fgt')
    const unknown = uniqueUser('nobody').email

    const before = await outboxSize()
    const unknownRes = await forgot(unknown)
    expect(await outboxSize()).toBe(before)
    const knownRes = await forgot(known.email)
    expect(await outboxSize()).toBe(before + 1)

    expect(unknownRes.status).toBe(202)
    expect(knownRes.status).toBe(202)
    expect(unknownRes.headers.get('content-type')).toBe(knownRes.headers.get('content-type'))
    expect(await unknownRes.text()).toBe(await knownRes.text())

    const mail = await nthEmail(known.email, 'password-reset')
    expect(emailsTo(unknown, 'password-reset')).toEqual([])
    await auth.ctx.messaging.relay.flush()
    expect(auth.commands.messages().filter((m) => m.body.data.to === unknown)).toEqual([])

    const { body } = await login(auth, known.username, known.password)
    expect(mail).toMatchObject({
      userId: (body.user as { id: string }).id,
      params: { username: known.username, displayName: known.username },
    })
    expect(mail.params.link).toMatch(/^http:\/\/chatty\.test\/reset-password\?token=[\w-]{43}$/)
  })

  it('stores the token only as its SHA-256 hash', async () => {
    const user = await registerVerified(auth, 'hash')
    await forgot(user.email)
    const token = await resetToken(user.email)
    const em = auth.ctx.orm.em.fork()
    const { id } = await em.findOneOrFail(User, { email: user.email })
    const row = await em.findOneOrFail(PasswordReset, { userId: id })
    expect(row.tokenHash).toBe(sha256(token))
    expect(JSON.stringify(row)).not.toContain(token)
  })

  it('replaces the older link of the user with the newer one', async () => {
    const user = await registerVerified(auth, 'newer')
    await forgot(user.email)
    const older = await resetToken(user.email, 1)
    await forgot(user.email)
    const newer = await resetToken(user.email, 2)
    expect(newer).not.toBe(older)
    await expectInvalidToken(await reset(older))
    expect((await reset(newer)).status).toBe(204)
  })

  it('limits requests per address and per client address with 429 and Retry-After', async () => {
    const user = await registerVerified(auth, 'lim')
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await forgot(user.email)).status).toBe(202)
    }
    const perAddress = await forgot(user.email)
    expect(perAddress.status).toBe(429)
    expect((await json(perAddress)).code).toBe('rate-limited')
    expect(Number(perAddress.headers.get('retry-after'))).toBeGreaterThan(0)

    const ip = freshIp()
    for (let attempt = 0; attempt < 20; attempt++) {
      expect((await forgot(uniqueUser('ipl').email, ip)).status).toBe(202)
    }
    const perIp = await forgot(uniqueUser('ipl').email, ip)
    expect(perIp.status).toBe(429)
    expect(Number(perIp.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('sends nothing to a deleted account, whose pending link stops working', async () => {
    const user = await registerVerified(auth, 'gone')
    await forgot(user.email)
    const token = await resetToken(user.email)
    await auth.ctx.orm.em.fork().nativeUpdate(User, { email: user.email }, { status: 'deleted' })

    const before = await outboxSize()
    expect((await forgot(user.email)).status).toBe(202)
    expect(await outboxSize()).toBe(before)
    await expectInvalidToken(await reset(token))
  })

  it('answers 422 naming the email for a malformed address', async () => {
    const res = await forgot('not-an-email')
    expect(res.status).toBe(422)
    expect((await json(res)).errors.map((e: { path: string }) => e.path)).toEqual(['email'])
  })
})

describe('reset password', () => {
  it('sets the new password with the emailed link, once, ending every session and live token', async () => {
    const user = await registerVerified(auth, 'rst')
    const laptop = (await login(auth, user.username, user.password)).body
    const phone = (await login(auth, user.username, user.password)).body
    await forgot(user.email)
    const token = await resetToken(user.email)

    const res = await reset(token)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')

    await expectRefused(laptop.accessToken, laptop.refreshToken)
    await expectRefused(phone.accessToken, phone.refreshToken)
    expect((await login(auth, user.username, user.password)).res.status).toBe(401)
    const fresh = await login(auth, user.username, NEW_PASSWORD)
    expect(fresh.res.status).toBe(200)
    expect((await auth.request('/api/auth/me', { token: fresh.body.accessToken })).status).toBe(200)
    const sessions = await json(
      await auth.request('/api/auth/sessions', { token: fresh.body.accessToken }),
    )
    expect(sessions.items).toHaveLength(1)

    await expectInvalidToken(await reset(token, 'yet another passphrase'))
    expect((await login(auth, user.username, NEW_PASSWORD)).res.status).toBe(200)

    const notice = await nthEmail(user.email, 'password-changed')
    expect(notice.params).toMatchObject({ username: user.username })
  })

  it('refuses a link after 30 minutes and changes nothing', async () => {
    const user = await registerVerified(auth, 'late')
    const tokens = (await login(auth, user.username, user.password)).body
    await forgot(user.email)
    const token = await resetToken(user.email)
    auth.advance(30 * 60_000)
    try {
      await expectInvalidToken(await reset(token))
    } finally {
      auth.advance(-30 * 60_000)
    }
    expect((await auth.request('/api/auth/me', { token: tokens.accessToken })).status).toBe(200)
    expect((await login(auth, user.username, user.password)).res.status).toBe(200)
  })

  it('accepts a link shortly before it expires', async () => {
    const user = await registerVerified(auth, 'early')
    await forgot(user.email)
    const token = await resetToken(user.email)
    auth.advance(29 * 60_000)
    try {
      expect((await reset(token)).status).toBe(204)
    } finally {
      auth.advance(-29 * 60_000)
    }
  })

  it('refuses a made-up token with 422 invalid-token, and a weak password naming password', async () => {
    await expectInvalidToken(await reset('made-up-token'))
    const weak = await reset('made-up-token', 'short')
    expect(weak.status).toBe(422)
    const problem = await json(weak)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['password'])
    const smuggled = await auth.request('/api/auth/password/reset', {
      body: { token: 'x', password: NEW_PASSWORD, userId: 'someone' },
    })
    expect(smuggled.status).toBe(422)
  })

  it('verifies an unverified address (the link proved it) and welcomes the user', async () => {
    const user = uniqueUser('unv')
    expect((await auth.request('/api/auth/register', { body: user })).status).toBe(201)
    await forgot(user.email)
    expect((await reset(await resetToken(user.email))).status).toBe(204)
    const { body } = await login(auth, user.username, NEW_PASSWORD)
    expect(body.user).toMatchObject({ emailVerified: true })
    await auth.events.next(
      (m) =>
        m.body.type === 'UserEmailVerified' &&
        m.body.data.userId === (body.user as { id: string }).id,
    )
    await nthEmail(user.email, 'welcome')
    await nthEmail(user.email, 'password-changed')
  })

  it('limits reset attempts per client address with 429', async () => {
    const ip = freshIp()
    for (let attempt = 0; attempt < 30; attempt++) {
      await expectInvalidToken(await reset(`guess-${attempt}`, NEW_PASSWORD, ip))
    }
    const limited = await reset('guess-30', NEW_PASSWORD, ip)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('answers 503 and changes nothing when Redis cannot take the revocation mark', async () => {
    const user = await registerVerified(auth, 'rdown')
    const tokens = (await login(auth, user.username, user.password)).body
    await forgot(user.email)
    const token = await resetToken(user.email)
    const before = await outboxSize()
    const { write } = auth.ctx.revocationMarks
    auth.ctx.revocationMarks.write = () => Promise.reject(new UnavailableError())
    try {
      const res = await reset(token)
      expect(res.status).toBe(503)
      expect((await json(res)).code).toBe('unavailable')
    } finally {
      auth.ctx.revocationMarks.write = write
    }
    expect(await outboxSize()).toBe(before)
    expect((await auth.request('/api/auth/me', { token: tokens.accessToken })).status).toBe(200)
    expect((await login(auth, user.username, user.password)).res.status).toBe(200)
    // Nothing was used up: the same link works once Redis is back.
    expect((await reset(token)).status).toBe(204)
  })
})

describe('change password', () => {
  it('refuses a wrong current password with 422 naming currentPassword and changes nothing', async () => {
    const user = await registerVerified(auth, 'wrong')
    const tokens = (await login(auth, user.username, user.password)).body
    const res = await change(tokens.accessToken, 'not my password')
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['currentPassword'])
    expect((await login(auth, user.username, user.password)).res.status).toBe(200)
  })

  it("sets the new password, keeps the caller's session and ends the others", async () => {
    const user = await registerVerified(auth, 'chg')
    const mine = (await login(auth, user.username, user.password)).body
    const other = (await login(auth, user.username, user.password)).body

    const res = await change(mine.accessToken, user.password)
    expect(res.status).toBe(204)

    await expectRefused(other.accessToken, other.refreshToken)
    expect((await auth.request('/api/auth/me', { token: mine.accessToken })).status).toBe(200)
    const refreshed = await auth.request('/api/auth/refresh', {
      body: { refreshToken: mine.refreshToken },
    })
    expect(refreshed.status).toBe(200)
    expect((await login(auth, user.username, user.password)).res.status).toBe(401)
    expect((await login(auth, user.username, NEW_PASSWORD)).res.status).toBe(200)

    const notice = await nthEmail(user.email, 'password-changed')
    expect(notice.params).toMatchObject({ username: user.username })
  })

  it('makes a pending reset link useless', async () => {
    const user = await registerVerified(auth, 'pend')
    await forgot(user.email)
    const token = await resetToken(user.email)
    const tokens = (await login(auth, user.username, user.password)).body
    expect((await change(tokens.accessToken, user.password)).status).toBe(204)
    await expectInvalidToken(await reset(token, 'an attacker passphrase'))
    expect((await login(auth, user.username, NEW_PASSWORD)).res.status).toBe(200)
  })

  it('throttles wrong current passwords per user with 429 and Retry-After', async () => {
    const user = await registerVerified(auth, 'thr')
    const tokens = (await login(auth, user.username, user.password)).body
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await change(tokens.accessToken, 'guess guess guess')).status).toBe(422)
    }
    const limited = await change(tokens.accessToken, user.password)
    expect(limited.status).toBe(429)
    expect((await json(limited)).code).toBe('rate-limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await login(auth, user.username, user.password)).res.status).toBe(200)
  })

  it('needs an access token, and the new password follows the registration rules', async () => {
    expect(
      (
        await auth.request('/api/auth/password/change', {
          body: { currentPassword: 'whatever1', newPassword: NEW_PASSWORD },
        })
      ).status,
    ).toBe(401)
    const user = await registerVerified(auth, 'rules')
    const tokens = (await login(auth, user.username, user.password)).body
    for (const weak of ['short', 'é'.repeat(37)]) {
      const res = await change(tokens.accessToken, user.password, weak)
      expect(res.status).toBe(422)
      expect((await json(res)).errors.map((e: { path: string }) => e.path)).toEqual(['newPassword'])
    }
  })
})

describe('welcome email', () => {
  it('is queued once when the address is verified', async () => {
    const user = await registerVerified(auth, 'wel')
    const welcome = await nthEmail(user.email, 'welcome')
    expect(welcome.params).toEqual({ username: user.username, displayName: user.username })

    const code = await verificationCode(auth, user.email)
    const again = await auth.request('/api/auth/verify-email', {
      body: { email: user.email, code },
    })
    expect(again.status).toBe(200)
    await auth.ctx.messaging.relay.flush()
    expect(emailsTo(user.email, 'welcome')).toHaveLength(1)
  })

  it('is not sent to the bootstrapped admin', async () => {
    const admin = uniqueUser('boot')
    const emails = () => auth.ctx.orm.em.fork().count(OutboxMessage, { type: 'SendEmail' })
    const [rowsBefore, emailsBefore] = [await outboxSize(), await emails()]
    const created = await inTransaction(auth.ctx.orm.em, (em) =>
      bootstrapAdmin(em, auth.ctx, admin),
    )
    expect(created.emailVerifiedAt).not.toBeNull()
    // UserRegistered and UserEmailVerified, and no email.
    expect(await outboxSize()).toBe(rowsBefore + 2)
    expect(await emails()).toBe(emailsBefore)
  })
})

describe('documentation', () => {
  it('describes the password routes in the OpenAPI document', async () => {
    const doc = await json(await auth.request('/api/auth/openapi.json'))
    for (const path of ['forgot', 'reset', 'change']) {
      expect(Object.keys(doc.paths[`/api/auth/password/${path}`])).toEqual(['post'])
    }
    expect(doc.paths['/api/auth/password/reset'].post.responses).toHaveProperty('422')
    expect(doc.paths['/api/auth/password/forgot'].post.responses).toHaveProperty('429')
  })
})
