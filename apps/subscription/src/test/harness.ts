import { randomBytes } from 'node:crypto'

import {
  type Envelope,
  type FeedItem,
  type MessageData,
  type MessageDefinition,
  PostCreated,
  UserRegistered,
  uuidv7,
  type Visibility,
} from '@chatty/contracts'
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
import { loadConfig, type SubscriptionConfig } from '../config.js'
import { createContext, type SubscriptionContext } from '../context.js'
import { feedKeys } from '../domain/feed-keys.js'
import { entities, migrations } from '../orm.js'

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

const RETRY_DELAYS_MS = [50, 100, 200]

export interface TestUser {
  id: string
  username: string
  /** A verified user's access token. */
  token: string
}

export interface FeedPage {
  items: FeedItem[]
  nextCursor: string | null
}

export interface SubscriptionHarness {
  ctx: SubscriptionContext
  app: ReturnType<typeof createApp>
  events: MessageTap
  issuer: TestIssuer
  request(
    path: string,
    init?: { method?: string; body?: unknown; token?: string },
  ): Promise<Response>
  /** Publishes an event to the service's exchange and waits until the service has applied it. */
  deliver<D extends MessageDefinition>(
    definition: D,
    data: MessageData<D>,
    options?: PublishEventOptions,
  ): Promise<Envelope<MessageData<D>>>
  /** Waits until the message with this id has been consumed (its inbox row is committed). */
  consumed(messageId: string): Promise<void>
  /**
   * A user known to the service through UserRegistered, with an access token. `id` lets a test
   * deliver events about the account before its registration.
   */
  registerUser(label?: string, options?: { id?: string; registeredAt?: Date }): Promise<TestUser>
  /** Delivers a PostCreated by `author`; answers the post id. */
  createPost(
    author: TestUser,
    post?: { visibility?: Visibility; createdAt?: Date; content?: string },
  ): Promise<string>
  /**
   * Follows (or unfollows) through the API; when that changed something, waits until the
   * Followed (Unfollowed) event has been consumed, so the feed reflects it.
   */
  follow(follower: TestUser, followee: TestUser): Promise<Response>
  unfollow(follower: TestUser, followee: TestUser): Promise<Response>
  /** Member ids of a user's feed sorted set in Redis, newest first. */
  feedKeyMembers(userId: string): Promise<string[]>
  /** GET /api/feed as `user`, which must answer 200; the page. */
  readFeed(user: TestUser, query?: string): Promise<FeedPage>
  /** The post ids of one feed page, in order. */
  feedIds(user: TestUser, query?: string): Promise<string[]>
  /** Reads every page `limit` at a time; the post ids in order. */
  allFeedIds(user: TestUser, limit: number): Promise<string[]>
  close(): Promise<void>
}

let lastPostTime = Date.now() - 3_600_000
/** Distinct, increasing post times, so the expected order of a feed is unambiguous. */
export function nextPostTime(): Date {
  lastPostTime += 1_000
  return new Date(lastPostTime)
}

/** subscription in-process on its own database, exchange names and Redis keys. */
export async function startSubscription(
  env: Record<string, string> = {},
): Promise<SubscriptionHarness> {
  const prefix = `t${randomBytes(4).toString('hex')}.`
  const database = await createTestDatabase({ name: 'subscription', entities, migrations })
  const config: SubscriptionConfig = loadConfig({
    SUBSCRIPTION_DATABASE_URL: database.url,
    AMQP_URL,
    MESSAGING_PREFIX: prefix,
    ...env,
  })
  const issuer = await createTestIssuer()
  const ctx = await createContext(config, {
    orm: database.orm,
    tokenKeys: issuer.jwks,
    messaging: { pollIntervalMs: 50, retryDelaysMs: RETRY_DELAYS_MS },
  })
  const events = await tapExchange(AMQP_URL, `${prefix}chatty.events`, ['follow.*'])
  const app = createApp(ctx)
  await ctx.start()
  await eventually(() => {
    if (ctx.redis.status !== 'ready' || ctx.messaging.broker.status() !== 'connected') {
      throw new Error('waiting for Redis and RabbitMQ')
    }
  }, 10_000)

  const userIds: string[] = []
  const postIds: string[] = []

  const consumed = async (messageId: string) => {
    await eventually(async () => {
      const rows = await ctx.orm.em
        .fork()
        .execute('select 1 from inbox where message_id = ?', [messageId])
      if (rows.length === 0) throw new Error(`message ${messageId} not consumed yet`)
    }, 10_000)
  }

  const deliver: SubscriptionHarness['deliver'] = async (definition, data, options) => {
    const envelope = await publishEvent(AMQP_URL, prefix, definition, data, options)
    await consumed(envelope.id)
    return envelope
  }

  const settled = new Set<string>()
  const settleFollowEvent = async (type: string, follower: TestUser, followee: TestUser) => {
    const event = await events.next(
      (message) =>
        message.body.type === type &&
        message.body.data.followerId === follower.id &&
        message.body.data.followeeId === followee.id &&
        !settled.has(message.body.id),
    )
    settled.add(event.body.id)
    await consumed(event.body.id)
  }

  const request: SubscriptionHarness['request'] = (path, init = {}) => {
    const headers: Record<string, string> = {}
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    if (init.token) headers.authorization = `Bearer ${init.token}`
    return Promise.resolve(
      app.request(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }),
    )
  }

  const readFeed: SubscriptionHarness['readFeed'] = async (user, query = '') => {
    const res = await request(`/api/feed${query}`, { token: user.token })
    if (res.status !== 200)
      throw new Error(`GET /api/feed answered ${res.status}: ${await res.text()}`)
    return (await res.json()) as FeedPage
  }
  const idsOf = (page: FeedPage): string[] => page.items.map((item) => item.post.id)

  return {
    ctx,
    app,
    request,
    follow: async (follower, followee) => {
      const res = await request(`/api/subscriptions/${followee.username}`, {
        method: 'POST',
        token: follower.token,
      })
      if (res.status === 201) await settleFollowEvent('Followed', follower, followee)
      return res
    },
    unfollow: async (follower, followee) => {
      const before = await ctx.orm.em
        .fork()
        .execute('select 1 from follows where follower_id = ? and followee_id = ?', [
          follower.id,
          followee.id,
        ])
      const res = await request(`/api/subscriptions/${followee.username}`, {
        method: 'DELETE',
        token: follower.token,
      })
      if (res.status === 200 && before.length > 0) {
        await settleFollowEvent('Unfollowed', follower, followee)
      }
      return res
    },
    events,
    issuer,
    deliver,
    consumed,
    registerUser: async (label = 'u', options = {}) => {
      const id = options.id ?? uuidv7()
      const username = `${label}_${randomBytes(4).toString('hex')}`
      userIds.push(id)
      await deliver(UserRegistered, {
        userId: id,
        username,
        email: `${username}@example.test`,
        displayName: `${label} ${username.slice(-4)}`,
        role: 'user',
        registeredAt: (options.registeredAt ?? new Date()).toISOString(),
      })
      return { id, username, token: await issuer.sign({ id, username }) }
    },
    createPost: async (author, post = {}) => {
      const postId = uuidv7()
      postIds.push(postId)
      await deliver(PostCreated, {
        postId,
        authorId: author.id,
        content: post.content ?? `post ${postId}`,
        title: null,
        tags: [],
        mentions: [],
        visibility: post.visibility ?? 'public',
        createdAt: (post.createdAt ?? new Date()).toISOString(),
      })
      return postId
    },
    feedKeyMembers: (userId) => ctx.redis.zrevrange(feedKeys.feed(userId), 0, -1),
    readFeed,
    feedIds: async (user, query) => idsOf(await readFeed(user, query)),
    allFeedIds: async (user, limit) => {
      const ids: string[] = []
      let cursor: string | null = null
      do {
        const page = await readFeed(user, `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
        ids.push(...idsOf(page))
        cursor = page.nextCursor
      } while (cursor)
      return ids
    },
    close: async () => {
      await events.close()
      const keys = [
        ...userIds.flatMap((id) => [
          feedKeys.feed(id),
          feedKeys.feedBuilt(id),
          feedKeys.feedGeneration(id),
          feedKeys.timeline(id),
          feedKeys.timelineBuilt(id),
          feedKeys.active(id),
          `rl:follow:user:${id}`,
        ]),
        ...postIds.map((id) => feedKeys.post(id)),
      ]
      if (keys.length > 0) await ctx.redis.del(...keys)
      await ctx.close()
      await removePrefixedTopology(AMQP_URL, prefix, RETRY_DELAYS_MS)
      await database.drop()
    },
  }
}
