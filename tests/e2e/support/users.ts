import { randomBytes } from 'node:crypto'

import { expectJson, type Me, post, type Tokens } from './api.js'
import { readVerificationEmail, waitForEmail } from './mailbox.js'

export interface NewUser {
  username: string
  email: string
  password: string
  displayName: string
}

/** A random suffix: the whole suite shares one stack, so every account must be new. */
export function uniqueSuffix(): string {
  return randomBytes(6).toString('hex')
}

/** Registration input for an account nobody else in the suite uses. */
export function newUser(): NewUser {
  const suffix = uniqueSuffix()
  return {
    username: `e2e_${suffix}`,
    email: `e2e-${suffix}@example.com`,
    password: `pw-${suffix}-Secret!`,
    displayName: `E2E ${suffix}`,
  }
}

/** Registers a fresh account (email not yet verified). */
export async function registerUser(user: NewUser = newUser()): Promise<NewUser & { me: Me }> {
  const me = expectJson<Me>(await post('/api/auth/register', user), 201)
  return { ...user, me }
}

/** Registers a fresh account and verifies it with the code from its email. */
export async function registerVerifiedUser(
  user: NewUser = newUser(),
): Promise<NewUser & { me: Me }> {
  await registerUser(user)
  const { code } = readVerificationEmail(await waitForEmail(user.email))
  const me = expectJson<Me>(await post('/api/auth/verify-email', { email: user.email, code }), 200)
  return { ...user, me }
}

/** Logs in with the given login (username by default) and returns the tokens. */
export async function login(user: NewUser, loginName: string = user.username): Promise<Tokens> {
  return expectJson<Tokens>(
    await post('/api/auth/login', { login: loginName, password: user.password }),
    200,
  )
}
