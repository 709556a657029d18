import { randomBytes } from 'node:crypto'

import { type ServiceHarness, startServiceHarness } from '@chatty/service/testing'
import { eventually } from '@chatty/testing'

import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { type AuthContext, createContext } from '../context.js'
import { entities, migrations } from '../orm.js'
import { SERVICE } from '../service.js'

export interface AuthHarness extends ServiceHarness<AuthContext, ReturnType<typeof createApp>> {
  /** Moves the service clock forward. */
  advance(ms: number): void
}

export interface AuthHarnessOptions {
  env?: Record<string, string>
  /** Messages handled at once; the service default unless told. */
  prefetch?: number
  /** Messages handled in one transaction; the service default unless told. */
  batchSize?: number
}

/** auth in-process on its own database and its own exchange names, with a controllable clock. */
export async function startAuth(options: AuthHarnessOptions = {}): Promise<AuthHarness> {
  let offset = 0
  const harness = await startServiceHarness({
    service: SERVICE,
    entities,
    migrations,
    loadConfig,
    createContext,
    createApp,
    env: {
      BCRYPT_COST: '4',
      TRUST_PROXY: 'true',
      PUBLIC_URL: 'http://chatty.test',
      ...options.env,
    },
    overrides: { clock: () => new Date(Date.now() + offset) },
    prefetch: options.prefetch,
    batchSize: options.batchSize,
  })
  return {
    ...harness,
    advance: (ms) => {
      offset += ms
    },
  }
}

export function uniqueUser(label = 'u') {
  const suffix = randomBytes(4).toString('hex')
  return {
    username: `${label}_${suffix}`,
    email: `${label}.${suffix}@example.test`,
    password: 'correct horse battery',
  }
}

/** Registers, reads the code from the SendEmail command, verifies; returns the account. */
export async function registerVerified(harness: AuthHarness, label = 'u') {
  const user = uniqueUser(label)
  const registered = await harness.request('/api/auth/register', { body: user })
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`)
  const code = await verificationCode(harness, user.email)
  const verified = await harness.request('/api/auth/verify-email', {
    body: { email: user.email, code },
  })
  if (verified.status !== 200) throw new Error(`verify failed: ${verified.status}`)
  return user
}

/** The code in the newest verification email to `email`, waiting for the `nth` one (1-based). */
export async function verificationCode(
  harness: AuthHarness,
  email: string,
  nth = 1,
): Promise<string> {
  const mails = await eventually(() => {
    const sent = harness.commands.messages().filter((m) => {
      const data = m.body.data as { to: string; template: string }
      return data.to === email && data.template === 'verify-email'
    })
    if (sent.length < nth) throw new Error(`waiting for verification email ${nth} to ${email}`)
    return sent
  })
  return (mails.at(-1)?.body.data as { params: { code: string } }).params.code
}

export async function login(harness: AuthHarness, loginName: string, password: string) {
  const res = await harness.request('/api/auth/login', { body: { login: loginName, password } })
  return {
    res,
    body: (await res.json()) as Record<string, unknown> & {
      accessToken: string
      refreshToken: string
    },
  }
}
