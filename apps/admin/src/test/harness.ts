import { randomBytes } from 'node:crypto'

import { type MessageData, type MessageDefinition, UserRegistered, uuidv7 } from '@chatty/contracts'
import { createTestDatabase } from '@chatty/db/testing'
import { removePrefixedTopology } from '@chatty/messaging'
import {
  createTestIssuer,
  eventually,
  type MessageTap,
  publishEvent,
  type PublishEventOptions,
  tapExchange,
  type TestIssuer,
} from '@chatty/testing'

import { createApp } from '../app.js'
import { type AdminConfig, loadConfig } from '../config.js'
import { type AdminContext, createContext } from '../context.js'
import { User } from '../entities/user.entity.js'
import { entities, migrations } from '../orm.js'

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

export type Role = 'user' | 'moderator' | 'admin'

export interface KnownUser {
  id: string
  username: string
  email: string
  displayName: string
  role: Role
  token: string
}

export interface AdminHarness {
  ctx: AdminContext
  app: ReturnType<typeof createApp>
  /** Everything admin publishes on its events exchange. */
  events: MessageTap
  issuer: TestIssuer
  request(
    path: string,
    init?: { method?: string; body?: unknown; token?: string },
  ): Promise<Response>
  /** Delivers an event to admin as its producer would; answers the envelope id. */
  publish<D extends MessageDefinition>(
    definition: D,
    data: MessageData<D>,
    options?: PublishEventOptions,
  ): Promise<string>
  /** Waits until admin's consumer has committed the messages with these envelope ids. */
  processed(...messageIds: string[]): Promise<void>
  /** A user announced by auth (UserRegistered), once admin's projection has it. */
  registerUser(options?: { role?: Role; label?: string; displayName?: string }): Promise<KnownUser>
  /** A token for someone admin's projection does not have to know (role comes from the token). */
  tokenFor(role: Role): Promise<string>
  close(): Promise<void>
}

export interface AdminHarnessOptions {
  clock?: () => Date
  /** Extra environment, e.g. BAN_EXPIRY_INTERVAL_MS. */
  env?: Record<string, string>
}

/** admin in-process on its own database and its own exchange names, with tokens minted here. */
export async function startAdmin(options: AdminHarnessOptions = {}): Promise<AdminHarness> {
  const prefix = `t${randomBytes(4).toString('hex')}.`
  const database = await createTestDatabase({ name: 'admin', entities, migrations })
  const config: AdminConfig = loadConfig({
    ADMIN_DATABASE_URL: database.url,
    AMQP_URL,
    MESSAGING_PREFIX: prefix,
    ...options.env,
  })
  const issuer = await createTestIssuer()
  const ctx = await createContext(config, {
    orm: database.orm,
    clock: options.clock,
    tokenKeys: issuer.jwks,
    messaging: { pollIntervalMs: 50, retryDelaysMs: [50, 100, 200] },
  })
  const events = await tapExchange(AMQP_URL, `${prefix}chatty.events`, ['#'])
  const app = createApp(ctx)
  await ctx.start()
  // Once connected the topology is declared, so events published from here on wait in admin's queue.
  await eventually(() => {
    if (ctx.messaging.broker.status() !== 'connected') throw new Error('waiting for the broker')
  }, 10_000)

  const harness: AdminHarness = {
    ctx,
    app,
    events,
    issuer,
    request: async (path, init = {}) => {
      const headers: Record<string, string> = {}
      if (init.body !== undefined) headers['content-type'] = 'application/json'
      if (init.token) headers.authorization = `Bearer ${init.token}`
      return app.request(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      })
    },
    publish: async (definition, data, options) => {
      const envelope = await publishEvent(AMQP_URL, prefix, definition, data, {
        producer: 'auth',
        ...options,
      })
      return envelope.id
    },
    processed: async (...messageIds) => {
      await eventually(async () => {
        const [row] = await ctx.orm.em
          .fork()
          .getConnection()
          .execute<{ n: number }[]>(
            'select count(*)::int as n from inbox where message_id in (?)',
            [messageIds],
          )
        if (row?.n !== new Set(messageIds).size) throw new Error('waiting for the consumer')
      })
    },
    registerUser: async (options = {}) => {
      const suffix = randomBytes(4).toString('hex')
      const role = options.role ?? 'user'
      const username = `${options.label ?? role}_${suffix}`
      const user = {
        id: uuidv7(),
        username,
        email: `${username}@example.test`,
        displayName: options.displayName ?? `Display ${suffix}`,
        role,
      }
      await harness.publish(UserRegistered, {
        userId: user.id,
        username: user.username,
        email: user.email,
        displayName: user.displayName,
        role,
        registeredAt: new Date().toISOString(),
      })
      await eventually(async () => {
        const known = await ctx.orm.em.fork().count(User, { id: user.id })
        if (known === 0) throw new Error(`waiting for ${username} in the projection`)
      })
      return { ...user, token: await issuer.sign({ id: user.id, username, role }) }
    },
    tokenFor: (role) =>
      issuer.sign({ id: uuidv7(), username: `${role}_${randomBytes(3).toString('hex')}`, role }),
    close: async () => {
      await events.close()
      await ctx.close()
      await removePrefixedTopology(AMQP_URL, prefix, [50, 100, 200])
      await database.drop()
    },
  }
  return harness
}
