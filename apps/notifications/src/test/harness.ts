import { randomBytes } from 'node:crypto'

import { PostCreated, UserRegistered, uuidv7, type Visibility } from '@chatty/contracts'
import { revocationKeys } from '@chatty/http'
import { type ServiceHarness, startServiceHarness, TEST_AMQP_URL } from '@chatty/service/testing'
import {
  createTestIssuer,
  type EventStreamReader,
  readEventStream,
  type TestIssuer,
} from '@chatty/testing'

import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { createContext, type NotificationsContext } from '../context.js'
import type { NotificationView } from '../domain/views.js'
import { entities, migrations } from '../orm.js'
import { SERVICE } from '../service.js'

export interface TestUser {
  id: string
  username: string
  sessionId: string
  /** An access token of `sessionId`. */
  token: string
}

export interface NotificationPage {
  items: NotificationView[]
  nextCursor: string | null
}

type App = ReturnType<typeof createApp>

/** Another replica of the service: its own context and app on the same database, broker and Redis. */
export interface Replica {
  ctx: NotificationsContext
  app: App
  close(): Promise<void>
}

export interface NotificationsHarness extends ServiceHarness<NotificationsContext, App> {
  issuer: TestIssuer
  /** A user known to the service through UserRegistered, with an access token. */
  registerUser(label?: string): Promise<TestUser>
  /** Delivers a PostCreated by `author`; answers the post id. */
  createPost(
    author: TestUser,
    post?: { visibility?: Visibility; content?: string; mentions?: TestUser[] },
  ): Promise<string>
  /** GET /api/notifications as `user` (must answer 200). */
  list(user: TestUser, query?: string): Promise<NotificationPage>
  /** GET /api/notifications/unread-count as `user`. */
  unreadCount(user: TestUser): Promise<number>
  /** Opens the stream on `app` (this replica by default) with the user's token or a ticket. */
  openStream(
    auth: { token: string } | { ticket: string },
    app?: App,
  ): Promise<{ response: Response; stream?: EventStreamReader }>
  /** Writes the mark auth writes when a session ends. */
  revokeSession(user: TestUser): Promise<void>
  /** Writes the mark admin writes when it bans a user. */
  blockUser(user: TestUser): Promise<void>
  /** A second replica: HTTP and live streams only, its consumer not started. */
  startReplica(): Promise<Replica>
}

const TEST_STREAM_ENV = {
  NOTIFICATIONS_HEARTBEAT_MS: '200',
  NOTIFICATIONS_REVOCATION_CHECK_MS: '100',
}

/** notifications in-process on its own database, exchange names and Redis keys. */
export async function startNotifications(
  env: Record<string, string> = {},
): Promise<NotificationsHarness> {
  const issuer = await createTestIssuer()
  const harness = await startServiceHarness({
    service: SERVICE,
    entities,
    migrations,
    loadConfig,
    createContext,
    createApp,
    env: { ...TEST_STREAM_ENV, ...env },
    overrides: { tokenKeys: issuer.jwks },
  })
  const { ctx, deliver, request } = harness
  const marks: string[] = []
  const streams: EventStreamReader[] = []
  harness.onClose(async () => {
    for (const stream of streams) await stream.close()
    if (marks.length > 0) await ctx.redis.del(...marks)
  })

  const openStream: NotificationsHarness['openStream'] = async (auth, app = harness.app) => {
    const response =
      'token' in auth
        ? await app.request('/api/notifications/stream', {
            headers: { authorization: `Bearer ${auth.token}` },
          })
        : await app.request(`/api/notifications/stream?ticket=${auth.ticket}`)
    if (response.status !== 200 || !response.body) return { response }
    const stream = readEventStream(response.body)
    streams.push(stream)
    return { response, stream }
  }

  return {
    ...harness,
    issuer,
    registerUser: async (label = 'u') => {
      const id = uuidv7()
      const username = `${label}_${randomBytes(4).toString('hex')}`
      await deliver(UserRegistered, {
        userId: id,
        username,
        email: `${username}@example.test`,
        displayName: `${label} ${username.slice(-4)}`,
        role: 'user',
        registeredAt: new Date().toISOString(),
      })
      const sessionId = crypto.randomUUID()
      return { id, username, sessionId, token: await issuer.sign({ id, username, sessionId }) }
    },
    createPost: async (author, post = {}) => {
      const postId = uuidv7()
      await deliver(PostCreated, {
        postId,
        authorId: author.id,
        content: post.content ?? `post ${postId}`,
        title: null,
        tags: [],
        mentions: (post.mentions ?? []).map((user) => user.username.toLowerCase()),
        visibility: post.visibility ?? 'public',
        createdAt: new Date().toISOString(),
      })
      return postId
    },
    list: async (user, query = '') => {
      const res = await request(`/api/notifications${query}`, { token: user.token })
      if (res.status !== 200) {
        throw new Error(`GET /api/notifications answered ${res.status}: ${await res.text()}`)
      }
      return (await res.json()) as NotificationPage
    },
    unreadCount: async (user) => {
      const res = await request('/api/notifications/unread-count', { token: user.token })
      if (res.status !== 200) throw new Error(`unread-count answered ${res.status}`)
      return ((await res.json()) as { count: number }).count
    },
    openStream,
    revokeSession: async (user) => {
      const key = revocationKeys.session(user.sessionId)
      marks.push(key)
      await ctx.redis.set(key, '1', 'EX', 120)
    },
    blockUser: async (user) => {
      const key = revocationKeys.user(user.id)
      marks.push(key)
      await ctx.redis.set(key, String(Date.now()), 'EX', 120)
    },
    startReplica: async () => {
      const config = loadConfig({
        ...TEST_STREAM_ENV,
        ...env,
        [SERVICE.databaseVariable]: ctx.config.databaseUrl,
        AMQP_URL: TEST_AMQP_URL,
        MESSAGING_PREFIX: harness.prefix,
      })
      const replica = await createContext(config, { tokenKeys: issuer.jwks })
      return { ctx: replica, app: createApp(replica), close: () => replica.close() }
    },
  }
}
