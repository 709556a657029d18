import { randomBytes } from 'node:crypto'

import type { MessageData, MessageDefinition } from '@chatty/contracts'
import { createTestDatabase } from '@chatty/db/testing'
import { removePrefixedTopology } from '@chatty/messaging'
import { eventually, type MessageTap, publishEvent, tapExchange } from '@chatty/testing'

import { createApp } from '../app.js'
import { type AuthConfig, loadConfig } from '../config.js'
import { type AuthContext, createContext } from '../context.js'
import { entities, migrations } from '../orm.js'

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

export interface AuthHarness {
  ctx: AuthContext
  app: ReturnType<typeof createApp>
  commands: MessageTap
  events: MessageTap
  /** Delivers an event to auth as its producer's relay would; answers the envelope id. */
  publish<D extends MessageDefinition>(definition: D, data: MessageData<D>): Promise<string>
  /** Moves the service clock forward. */
  advance(ms: number): void
  request(
    path: string,
    init?: { method?: string; body?: unknown; token?: string; ip?: string },
  ): Promise<Response>
  close(): Promise<void>
}

/** auth in-process on its own database and its own exchange names, with a controllable clock. */
export async function startAuth(env: Record<string, string> = {}): Promise<AuthHarness> {
  const prefix = `t${randomBytes(4).toString('hex')}.`
  const database = await createTestDatabase({ name: 'auth', entities, migrations })
  const config: AuthConfig = loadConfig({
    AUTH_DATABASE_URL: database.url,
    AMQP_URL,
    MESSAGING_PREFIX: prefix,
    BCRYPT_COST: '4',
    TRUST_PROXY: 'true',
    PUBLIC_URL: 'http://chatty.test',
    ...env,
  })
  let offset = 0
  const ctx = await createContext(config, {
    orm: database.orm,
    clock: () => new Date(Date.now() + offset),
    messaging: { pollIntervalMs: 50, retryDelaysMs: [50, 100] },
  })
  const commands = await tapExchange(AMQP_URL, `${prefix}chatty.commands`, ['email.send'], 'direct')
  const events = await tapExchange(AMQP_URL, `${prefix}chatty.events`, ['#'])
  const app = createApp(ctx)
  await ctx.start()
  return {
    ctx,
    app,
    commands,
    events,
    publish: async (definition, data) =>
      (await publishEvent(AMQP_URL, prefix, definition, data)).id,
    advance: (ms) => {
      offset += ms
    },
    request: async (path, init = {}) => {
      // A fresh client address per request unless a test pins one, so per-IP limits stay out of the way.
      const headers: Record<string, string> = {
        'x-real-ip': init.ip ?? `10.${randomBytes(3).join('.')}`,
      }
      if (init.body !== undefined) headers['content-type'] = 'application/json'
      if (init.token) headers.authorization = `Bearer ${init.token}`
      return app.request(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      })
    },
    close: async () => {
      await commands.close()
      await events.close()
      await ctx.close()
      await removePrefixedTopology(AMQP_URL, prefix, [50, 100])
      await database.drop()
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
    const sent = harness.commands
      .messages()
      .filter((m) => (m.body.data as { to: string }).to === email)
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
