import { randomBytes } from 'node:crypto'

import {
  type Envelope,
  type FeedItem,
  type MessageData,
  PostCreated,
  type PostLiked,
  type PostReposted,
  type PostUnliked,
  type PostUnreposted,
  UserRegistered,
  uuidv7,
  type Visibility,
} from '@chatty/contracts'
import { type ServiceHarness, startServiceHarness, TEST_AMQP_URL } from '@chatty/service/testing'
import { createTestIssuer, type TestIssuer } from '@chatty/testing'

import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { createContext, type SubscriptionContext } from '../context.js'
import { feedKeys } from '../domain/feed-keys.js'
import { Follow } from '../entities/follow.entity.js'
import { entities, migrations } from '../orm.js'
import { SERVICE } from '../service.js'

export const AMQP_URL = TEST_AMQP_URL

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

/** The like and repost events: they share one shape. */
export type ReactionEvent =
  typeof PostLiked | typeof PostUnliked | typeof PostReposted | typeof PostUnreposted

/** A post as a test knows it: its id and its author. */
export interface TestPost {
  id: string
  author: TestUser
}

export interface SubscriptionHarness extends ServiceHarness<
  SubscriptionContext,
  ReturnType<typeof createApp>
> {
  issuer: TestIssuer
  /**
   * A user known to the service through UserRegistered, with an access token. `id` lets a test
   * deliver events about the account before its registration.
   */
  registerUser(label?: string, options?: { id?: string; registeredAt?: Date }): Promise<TestUser>
  /**
   * `count` more accounts, active now, each following one more account of their own, written
   * straight to the tables, which are left as a server without autovacuum leaves them: never
   * analysed. For tests of how queries are planned at size.
   */
  addUnanalysedCrowd(count: number): Promise<void>
  /** Delivers a like or repost event of `user` on `post` made at `at` (now by default). */
  react(
    event: ReactionEvent,
    user: TestUser,
    post: TestPost,
    at?: Date,
  ): Promise<Envelope<MessageData<ReactionEvent>>>
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
  const issuer = await createTestIssuer()
  const harness = await startServiceHarness({
    service: SERVICE,
    entities,
    migrations,
    loadConfig,
    createContext,
    createApp,
    env,
    overrides: { tokenKeys: issuer.jwks },
    retryDelaysMs: [50, 100, 200],
  })
  const { ctx, events, consumed, deliver, request } = harness
  const userIds: string[] = []
  const postIds: string[] = []
  harness.onClose(async () => {
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
  })

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

  const readFeed: SubscriptionHarness['readFeed'] = async (user, query = '') => {
    const res = await request(`/api/feed${query}`, { token: user.token })
    if (res.status !== 200)
      throw new Error(`GET /api/feed answered ${res.status}: ${await res.text()}`)
    return (await res.json()) as FeedPage
  }
  const idsOf = (page: FeedPage): string[] => page.items.map((item) => item.post.id)
  const registerUser: SubscriptionHarness['registerUser'] = async (label = 'u', options = {}) => {
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
  }

  return {
    ...harness,
    issuer,
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
        .findOne(Follow, { followerId: follower.id, followeeId: followee.id })
      const res = await request(`/api/subscriptions/${followee.username}`, {
        method: 'DELETE',
        token: follower.token,
      })
      if (res.status === 200 && before) {
        await settleFollowEvent('Unfollowed', follower, followee)
      }
      return res
    },
    registerUser,
    addUnanalysedCrowd: async (count) => {
      const followed = await registerUser('followed_by_crowd')
      const em = ctx.orm.em.fork()
      for (const table of ['users', 'follows']) {
        await em.execute(`alter table ${table} set (autovacuum_enabled = false)`)
      }
      await em.execute(
        `with crowd as (
           insert into users (id, created_at, last_active_at)
           select gen_random_uuid(), now(), now() from generate_series(1, ?) returning id
         )
         insert into follows (follower_id, followee_id, created_at)
         select id, ?, now() from crowd`,
        [count, followed.id],
      )
    },
    react: (event, user, post, at = new Date()) =>
      deliver(event, {
        postId: post.id,
        postAuthorId: post.author.id,
        userId: user.id,
        at: at.toISOString(),
      }),
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
  }
}
