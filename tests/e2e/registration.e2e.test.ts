import { describe, expect, it } from 'vitest'

import {
  expectFieldError,
  expectJson,
  expectProblem,
  type Me,
  post,
  request,
  type Tokens,
} from './support/api.js'
import { readVerificationEmail, waitForEmail } from './support/mailbox.js'
import { newUser, registerUser, uniqueSuffix } from './support/users.js'

// The suite cannot know the stack's PUBLIC_URL unless told; when told, the link must start with it.
const publicUrl = process.env.E2E_PUBLIC_URL?.replace(/\/+$/, '')

describe('registration and email verification', () => {
  it('registers, mails a code and link, verifies, logs in by username and by email, and reads /me', async () => {
    const user = newUser()

    const registered = expectJson<Me>(await post('/api/auth/register', user), 201)
    expect(registered).toMatchObject({
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      emailVerified: false,
      role: 'user',
      status: 'active',
      followersCount: 0,
      followingCount: 0,
      postsCount: 0,
    })
    expect(registered.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(Object.keys(registered).join(' ')).not.toMatch(/password/i)

    const email = await waitForEmail(user.email)
    expect(email.Subject).not.toBe('')
    const { code, link, linkText } = readVerificationEmail(email)
    expect(code).toMatch(/^\d{6}$/)
    expect(link.pathname).toMatch(/\/verify-email$/)
    if (publicUrl) expect(`${link.origin}${link.pathname}`).toBe(`${publicUrl}/verify-email`)
    expect(link.searchParams.get('email')).toBe(user.email)
    // The code must be readable on its own, not only inside the link.
    expect(email.Text.replaceAll(linkText, '')).toContain(code)

    const verified = expectJson<Me>(
      await post('/api/auth/verify-email', { email: user.email, code }),
      200,
    )
    expect(verified).toMatchObject({ id: registered.id, emailVerified: true })

    const byUsername = expectJson<Tokens>(
      await post('/api/auth/login', { login: user.username, password: user.password }),
      200,
    )
    expect(byUsername).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
      user: { id: registered.id, username: user.username, emailVerified: true },
    })
    expect(byUsername.accessToken).toEqual(expect.any(String))
    expect(byUsername.refreshToken).toEqual(expect.any(String))

    const byEmail = expectJson<Tokens>(
      await post('/api/auth/login', { login: user.email, password: user.password }),
      200,
    )
    expect(byEmail.user.id).toBe(registered.id)
    expect(byEmail.refreshToken).not.toBe(byUsername.refreshToken)

    const me = expectJson<Me>(await request('/api/auth/me', { token: byEmail.accessToken }), 200)
    expect(me).toMatchObject({
      id: registered.id,
      username: user.username,
      email: user.email,
      emailVerified: true,
      role: 'user',
      status: 'active',
    })
  })

  it('refuses a username that is already taken', async () => {
    const first = await registerUser()
    const response = await post('/api/auth/register', { ...newUser(), username: first.username })
    expectProblem(response, 409, 'username-taken')
  })

  it('refuses an email that is already taken', async () => {
    const first = await registerUser()
    const response = await post('/api/auth/register', { ...newUser(), email: first.email })
    expectProblem(response, 409, 'email-taken')
  })

  it('rejects an invalid email and names the field', async () => {
    const response = await post('/api/auth/register', { ...newUser(), email: 'not-an-email' })
    expectFieldError(response, 'email')
  })

  it('rejects a password shorter than 8 bytes and names the field', async () => {
    const response = await post('/api/auth/register', { ...newUser(), password: 'short' })
    expectFieldError(response, 'password')
  })

  it('measures the password limit in UTF-8 bytes: 74 bytes are refused, 72 accepted', async () => {
    const tooLong = 'é'.repeat(37)
    expect(Buffer.byteLength(tooLong)).toBe(74)
    expectFieldError(
      await post('/api/auth/register', { ...newUser(), password: tooLong }),
      'password',
    )

    const atLimit = 'é'.repeat(36)
    expect(Buffer.byteLength(atLimit)).toBe(72)
    const user = { ...newUser(), password: atLimit }
    expectJson<Me>(await post('/api/auth/register', user), 201)
    expectJson<Tokens>(
      await post('/api/auth/login', { login: user.username, password: atLimit }),
      200,
    )
  })

  it('lists every offending field of an invalid registration', async () => {
    const response = await post('/api/auth/register', {
      username: `x${uniqueSuffix()}!`,
      email: 'nope',
      password: 'short',
    })
    const problem = expectProblem(response, 422, 'validation-failed')
    expect(problem.errors?.map((error) => error.path)).toEqual(
      expect.arrayContaining(['username', 'email', 'password']),
    )
  })
})

describe('verification codes', () => {
  it('refuses a wrong code and still accepts the right one afterwards', async () => {
    const user = await registerUser()
    const { code } = readVerificationEmail(await waitForEmail(user.email))
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')

    expectProblem(
      await post('/api/auth/verify-email', { email: user.email, code: wrong }),
      422,
      'invalid-code',
    )

    const verified = expectJson<Me>(
      await post('/api/auth/verify-email', { email: user.email, code }),
      200,
    )
    expect(verified.emailVerified).toBe(true)
  })

  it('answers 200 with the account when the email is already verified', async () => {
    const user = await registerUser()
    const { code } = readVerificationEmail(await waitForEmail(user.email))
    expectJson<Me>(await post('/api/auth/verify-email', { email: user.email, code }), 200)

    const again = expectJson<Me>(
      await post('/api/auth/verify-email', { email: user.email, code }),
      200,
    )
    expect(again).toMatchObject({ id: user.me.id, emailVerified: true })
  })

  it('answers 202 to a resend for an address nobody registered', async () => {
    const response = await post('/api/auth/verify-email/resend', {
      email: `nobody-${uniqueSuffix()}@example.com`,
    })
    expect(response.status).toBe(202)
  })

  it('mails a fresh, working code on resend', async () => {
    const user = await registerUser()
    const first = await waitForEmail(user.email)

    expect((await post('/api/auth/verify-email/resend', { email: user.email })).status).toBe(202)

    const second = await waitForEmail(user.email, [first.ID])
    const { code, link } = readVerificationEmail(second)
    expect(link.searchParams.get('email')).toBe(user.email)
    const verified = expectJson<Me>(
      await post('/api/auth/verify-email', { email: user.email, code }),
      200,
    )
    expect(verified.emailVerified).toBe(true)
  })
})
