import { randomBytes } from 'node:crypto'

import { type Envelope, type MessageData, type MessageDefinition, uuidv7 } from '@chatty/contracts'
import { createTestDatabase } from '@chatty/db/testing'
import { removePrefixedTopology } from '@chatty/messaging'
import {
  createTestIssuer,
  eventually,
  type MessageTap,
  publishEvent,
  type PublishEventOptions,
  tapExchange,
  type TestTokenUser,
} from '@chatty/testing'
import { connect } from 'amqplib'

import { createApp } from '../app.js'
import { loadConfig, type PostsConfig } from '../config.js'
import { createContext, type PostsContext, SERVICE } from '../context.js'
import { limits } from '../domain/rate-limits.js'
import { entities, migrations } from '../orm.js'

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

export interface TestUser {
  id: string
  username: string
  role: NonNullable<TestTokenUser['role']>
  token: string
}

export interface PostsHarness {
  ctx: PostsContext
  app: ReturnType<typeof createApp>
  /** Everything published on this file's events exchange. */
  events: MessageTap
  /** A user with a valid access token (verified email and role `user` unless told otherwise). */
  user(
    options?: Partial<Omit<TestTokenUser, 'id' | 'username'>> & { label?: string },
  ): Promise<TestUser>
  request(
    path: string,
    init?: { method?: string; body?: unknown; token?: string },
  ): Promise<Response>
  /** Publishes an event to posts' exchange as its producer would, without waiting. */
  publish<D extends MessageDefinition>(
    definition: D,
    data: MessageData<D>,
    options?: PublishEventOptions,
  ): Promise<Envelope<MessageData<D>>>
  /** Publishes an event and waits until posts has consumed it (its inbox row is committed). */
  deliver<D extends MessageDefinition>(
    definition: D,
    data: MessageData<D>,
    options?: PublishEventOptions,
  ): Promise<Envelope<MessageData<D>>>
  /** Messages posts gave up on. */
  deadLetterCount(): Promise<number>
  close(): Promise<void>
}

/** posts in-process on its own database and exchange names, trusting tokens from a test issuer. */
export async function startPosts(env: Record<string, string> = {}): Promise<PostsHarness> {
  const prefix = `t${randomBytes(4).toString('hex')}.`
  const database = await createTestDatabase({ name: 'posts', entities, migrations })
  const issuer = await createTestIssuer()
  const config: PostsConfig = loadConfig({
    POSTS_DATABASE_URL: database.url,
    AMQP_URL,
    MESSAGING_PREFIX: prefix,
    ...env,
  })
  // Strictly increasing, so posts made in one millisecond still have a definite order.
  let last = 0
  const ctx = await createContext(config, {
    orm: database.orm,
    tokenKeys: issuer.jwks,
    clock: () => {
      last = Math.max(Date.now(), last + 1)
      return new Date(last)
    },
    // One message at a time, so a test can tell that an earlier message was handled too.
    messaging: { pollIntervalMs: 50, retryDelaysMs: [50, 100], prefetch: 1 },
  })
  const events = await tapExchange(AMQP_URL, `${prefix}chatty.events`, ['#'])
  const app = createApp(ctx)
  await ctx.start()
  const userIds: string[] = []

  const consumed = (messageId: string) =>
    eventually(async () => {
      const [row] = await ctx.orm.em
        .fork()
        .execute('select 1 from inbox where consumer = ? and message_id = ?', [SERVICE, messageId])
      if (!row) throw new Error(`message ${messageId} not consumed yet`)
    }, 10_000)

  const publish: PostsHarness['publish'] = (definition, data, options) =>
    publishEvent(AMQP_URL, prefix, definition, data, options)

  return {
    ctx,
    app,
    events,
    user: async ({ label = 'u', ...claims } = {}) => {
      const identity = { id: uuidv7(), username: `${label}_${randomBytes(4).toString('hex')}` }
      userIds.push(identity.id)
      return {
        ...identity,
        role: claims.role ?? 'user',
        token: await issuer.sign({ ...identity, ...claims }),
      }
    },
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
    publish,
    deliver: async (definition, data, options) => {
      const envelope = await publish(definition, data, options)
      await consumed(envelope.id)
      return envelope
    },
    deadLetterCount: async () => {
      const connection = await connect(AMQP_URL)
      try {
        const channel = await connection.createChannel()
        const queue = ctx.broker.names.queue('posts.events')
        return (await channel.checkQueue(ctx.broker.names.deadLetterQueue(queue))).messageCount
      } finally {
        await connection.close()
      }
    },
    close: async () => {
      if (userIds.length > 0) {
        await ctx.redis.del(...userIds.map((id) => `rl:${limits.createPerUser.name}:${id}`))
      }
      await events.close()
      await ctx.close()
      await removePrefixedTopology(AMQP_URL, prefix, [50, 100])
      await database.drop()
    },
  }
}
