import { randomBytes } from 'node:crypto'

import {
  PostDeleted,
  PostReposted,
  PostUnreposted,
  UserBanned,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { describe, expect, it } from 'vitest'

import { createContext } from './context.js'
import { db } from './db.js'
import { feedKeys } from './domain/feed-keys.js'
import { feedMember } from './domain/feed-page.js'
import {
  nextPostTime,
  startSubscription,
  type SubscriptionHarness,
  type TestUser,
} from './test/harness.js'

// More than one batch (FEED_REMOVAL_BATCH_SIZE, 1 000 by default): the walk takes three.
const FOLLOWERS = 2_500
const WALK_TIMEOUT_MS = 30_000

interface Seeded {
  id: string
  username: string
}

/**
 * Harnesses of this file, each with the configuration its test needs; the followers seeded in
 * SQL are not known to the harness, so their Redis keys are deleted here.
 */
async function withSubscription(
  env: Record<string, string>,
  test: (sub: SubscriptionHarness, seeded: string[]) => Promise<void>,
): Promise<void> {
  const sub = await startSubscription(env)
  const seeded: string[] = []
  try {
    await test(sub, seeded)
  } finally {
    const keys = seeded.flatMap((id) => [
      feedKeys.feed(id),
      feedKeys.feedBuilt(id),
      feedKeys.feedGeneration(id),
      feedKeys.active(id),
    ])
    for (let start = 0; start < keys.length; start += 1_000) {
      await sub.ctx.redis.del(...keys.slice(start, start + 1_000))
    }
    await sub.close()
    // Reconnected after its context stopped (see the test of a stopped process).
    sub.ctx.redis.disconnect()
  }
}

/**
 * `count` followers of `author`, written straight into PostgreSQL (thousands of registrations and
 * follows through events would take minutes), who read their feed today, so fan-out writes to
 * them. Sorted by id: the order the removal walks them.
 */
async function seedFollowers(
  sub: SubscriptionHarness,
  seeded: string[],
  author: TestUser,
  count: number,
): Promise<Seeded[]> {
  const now = new Date()
  const followers = Array.from({ length: count }, (_, index) => ({
    id: uuidv7(),
    username: `f${index}_${randomBytes(4).toString('hex')}`,
  }))
  const kysely = db(sub.ctx.orm.em.fork())
  for (let start = 0; start < count; start += 1_000) {
    const part = followers.slice(start, start + 1_000)
    await kysely
      .insertInto('users')
      .values(
        part.map((user) => ({
          id: user.id,
          username: user.username,
          created_at: now,
          last_active_at: now,
        })),
      )
      .execute()
    await kysely
      .insertInto('follows')
      .values(
        part.map((user) => ({ follower_id: user.id, followee_id: author.id, created_at: now })),
      )
      .execute()
  }
  await setFollowersCount(sub, author, count)
  seeded.push(...followers.map((user) => user.id))
  return followers.sort((a, b) => (a.id < b.id ? -1 : 1))
}

async function setFollowersCount(sub: SubscriptionHarness, author: TestUser, count: number) {
  await db(sub.ctx.orm.em.fork())
    .insertInto('user_counters')
    .values({ user_id: author.id, shard: 0, followers: count, following: 0 })
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'shard']).doUpdateSet({ followers: count }),
    )
    .execute()
}

/** How many of these feeds (in Redis) hold at least one of `postIds`. */
async function feedsHolding(
  sub: SubscriptionHarness,
  owners: readonly Seeded[],
  postIds: readonly string[],
): Promise<number> {
  const pipeline = sub.ctx.redis.pipeline()
  for (const owner of owners) pipeline.zmscore(feedKeys.feed(owner.id), ...postIds)
  const results = (await pipeline.exec()) ?? []
  return results.filter(([, scores]) => (scores as (string | null)[]).some((s) => s !== null))
    .length
}

async function generations(sub: SubscriptionHarness, owners: readonly Seeded[]) {
  return sub.ctx.redis.mget(...owners.map((owner) => feedKeys.feedGeneration(owner.id)))
}

async function removalsOf(sub: SubscriptionHarness, authorId: string) {
  return db(sub.ctx.orm.em.fork())
    .selectFrom('feed_removals')
    .selectAll()
    .where('author_id', '=', authorId)
    .orderBy('id')
    .execute()
}

async function removalOf(sub: SubscriptionHarness, authorId: string) {
  const [removal, ...others] = await removalsOf(sub, authorId)
  if (!removal) throw new Error('no removal recorded yet')
  expect(others).toEqual([])
  return removal
}

function ban(sub: SubscriptionHarness, author: TestUser) {
  return sub.deliver(UserBanned, {
    userId: author.id,
    reason: 'spam',
    bannedBy: uuidv7(),
    bannedAt: new Date().toISOString(),
  })
}

function unban(sub: SubscriptionHarness, author: TestUser) {
  return sub.deliver(UserUnbanned, {
    userId: author.id,
    unbannedBy: uuidv7(),
    unbannedAt: new Date().toISOString(),
  })
}

function deletePost(sub: SubscriptionHarness, author: TestUser, postId: string) {
  return sub.deliver(PostDeleted, {
    postId,
    authorId: author.id,
    deletedBy: author.id,
    deletedAt: new Date().toISOString(),
  })
}

async function asReader(sub: SubscriptionHarness, user: Seeded): Promise<TestUser> {
  return { ...user, token: await sub.issuer.sign(user) }
}

describe('removals from followers’ feeds', () => {
  it('walks the followers of a banned author in batches until no feed holds their posts', async () => {
    await withSubscription({}, async (sub, seeded) => {
      const author = await sub.registerUser('big')
      const followers = await seedFollowers(sub, seeded, author, FOLLOWERS)
      const posts = [
        await sub.createPost(author, { createdAt: nextPostTime() }),
        await sub.createPost(author, { createdAt: nextPostTime() }),
      ]
      expect(await feedsHolding(sub, followers, posts)).toBe(FOLLOWERS)

      await ban(sub, author)
      await eventually(
        async () => expect((await removalOf(sub, author.id)).state).toBe('done'),
        WALK_TIMEOUT_MS,
      )
      expect(await removalOf(sub, author.id)).toMatchObject({
        reason: 'author-hidden',
        batches: 3,
        after_follower_id: followers.at(-1)?.id,
      })
      expect(await feedsHolding(sub, followers, posts)).toBe(0)
      expect(await sub.feedKeyMembers(author.id)).toEqual([])
      expect(await sub.feedIds(await asReader(sub, followers[0] as Seeded))).toEqual([])
    })
  })

  it('commits the ban at once and leaves the author’s row unlocked while the walk goes on', async () => {
    // The job stops for good after its first batch.
    await withSubscription({ FEED_REMOVAL_PAUSE_MS: '600000' }, async (sub, seeded) => {
      const author = await sub.registerUser('big')
      const followers = await seedFollowers(sub, seeded, author, FOLLOWERS)
      const posts = [await sub.createPost(author, { createdAt: nextPostTime() })]

      await ban(sub, author)
      await eventually(
        async () => expect((await removalOf(sub, author.id)).batches).toBe(1),
        WALK_TIMEOUT_MS,
      )
      // Mid-walk: the first 1 000 feeds are done, the others not yet.
      expect(await feedsHolding(sub, followers.slice(0, 1_000), posts)).toBe(0)
      expect(await feedsHolding(sub, followers.slice(1_000), posts)).toBe(FOLLOWERS - 1_000)
      expect((await removalOf(sub, author.id)).state).toBe('pending')

      await sub.ctx.orm.em.fork().transactional(async (em) => {
        const locked = await db(em)
          .selectFrom('users')
          .select('id')
          .where('id', '=', author.id)
          .forUpdate()
          .noWait()
          .execute()
        expect(locked).toEqual([{ id: author.id }])
      })
      // A follower not reached yet sees none of it: reads leave out banned authors' posts.
      expect(await sub.feedIds(await asReader(sub, followers.at(-1) as Seeded))).toEqual([])
    })
  })

  it('finishes a walk that a stopped process left halfway, in a new process', async () => {
    await withSubscription({ FEED_REMOVAL_PAUSE_MS: '600000' }, async (sub, seeded) => {
      const author = await sub.registerUser('big')
      const followers = await seedFollowers(sub, seeded, author, FOLLOWERS)
      const posts = [await sub.createPost(author, { createdAt: nextPostTime() })]

      await ban(sub, author)
      await eventually(
        async () => expect((await removalOf(sub, author.id)).batches).toBe(1),
        WALK_TIMEOUT_MS,
      )
      await sub.ctx.close()
      expect(await removalOf(sub, author.id)).toMatchObject({ state: 'pending', batches: 1 })
      // The stopped context's Redis client, for this test's checks and the harness's cleanup,
      // once it has finished closing.
      await eventually(() => expect(sub.ctx.redis.status).toBe('end'), 5_000)
      await sub.ctx.redis.connect()

      const config = sub.ctx.config
      const next = await createContext(
        { ...config, feedRemovals: { ...config.feedRemovals, pauseMs: 0 } },
        { orm: sub.ctx.orm, tokenKeys: sub.issuer.jwks, messaging: { pollIntervalMs: 50 } },
      )
      try {
        await next.start()
        await eventually(
          async () => expect((await removalOf(sub, author.id)).state).toBe('done'),
          WALK_TIMEOUT_MS,
        )
        expect(await removalOf(sub, author.id)).toMatchObject({
          batches: 3,
          after_follower_id: followers.at(-1)?.id,
        })
        expect(await feedsHolding(sub, followers, posts)).toBe(0)
      } finally {
        await next.close()
      }
    })
  })

  it('removes a celebrity’s deleted post without visiting followers’ feeds', async () => {
    await withSubscription({ FEED_FANOUT_MAX_FOLLOWERS: '5' }, async (sub, seeded) => {
      const author = await sub.registerUser('celebrity')
      const followers = await seedFollowers(sub, seeded, author, 6)
      await setFollowersCount(sub, author, 5)
      const pushed = await sub.createPost(author, { createdAt: nextPostTime() })
      expect(await feedsHolding(sub, followers, [pushed])).toBe(6)
      await setFollowersCount(sub, author, 6)
      // This one makes the author a celebrity, and is not pushed.
      await sub.createPost(author, { createdAt: nextPostTime() })
      const merged = await sub.createPost(author, { createdAt: nextPostTime() })
      const reader = await asReader(sub, followers[0] as Seeded)
      expect((await sub.feedIds(reader))[0]).toBe(merged)
      expect(await feedsHolding(sub, followers, [merged])).toBe(0)

      const before = await generations(sub, followers)
      await deletePost(sub, author, merged)
      expect(await generations(sub, followers)).toEqual(before)
      expect(await removalsOf(sub, author.id)).toEqual([])
      expect(await sub.ctx.redis.zscore(feedKeys.timeline(author.id), merged)).toBeNull()
      expect(await sub.feedKeyMembers(author.id)).not.toContain(merged)
      expect(await sub.feedIds(reader)).not.toContain(merged)

      // A post pushed before the author became a celebrity is still taken out of every feed.
      await deletePost(sub, author, pushed)
      expect(await feedsHolding(sub, followers, [pushed])).toBe(0)
    })
  })

  it('keeps the posts in every feed when an unban lands while the ban is being walked', async () => {
    await withSubscription({ FEED_REMOVAL_PAUSE_MS: '1000' }, async (sub, seeded) => {
      const author = await sub.registerUser('big')
      const followers = await seedFollowers(sub, seeded, author, FOLLOWERS)
      const posts = [
        await sub.createPost(author, { createdAt: nextPostTime() }),
        await sub.createPost(author, { createdAt: nextPostTime() }),
      ]

      await ban(sub, author)
      await eventually(
        async () => expect((await removalOf(sub, author.id)).batches).toBeGreaterThan(0),
        WALK_TIMEOUT_MS,
      )
      await unban(sub, author)
      await eventually(
        async () => expect((await removalOf(sub, author.id)).state).toBe('superseded'),
        WALK_TIMEOUT_MS,
      )
      expect(await feedsHolding(sub, followers, posts)).toBe(FOLLOWERS)
      expect(await sub.feedIds(await asReader(sub, followers[0] as Seeded))).toEqual(
        posts.toReversed(),
      )
    })
  })

  it('walks a reposter’s followers when the repost is undone, and stops when it is made again', async () => {
    await withSubscription({ FEED_REMOVAL_PAUSE_MS: '1000' }, async (sub, seeded) => {
      const [reposter, author] = [await sub.registerUser('big'), await sub.registerUser('author')]
      const followers = await seedFollowers(sub, seeded, reposter, FOLLOWERS)
      const post = { id: await sub.createPost(author, { createdAt: nextPostTime() }), author }
      const member = feedMember(post.id, reposter.id)
      await sub.react(PostReposted, reposter, post, nextPostTime())
      expect(await feedsHolding(sub, followers, [member])).toBe(FOLLOWERS)

      await sub.react(PostUnreposted, reposter, post, nextPostTime())
      await eventually(
        async () => expect((await removalOf(sub, reposter.id)).state).toBe('done'),
        WALK_TIMEOUT_MS,
      )
      expect(await removalOf(sub, reposter.id)).toMatchObject({
        reason: 'repost-undone',
        post_ids: [member],
        batches: 3,
      })
      expect(await feedsHolding(sub, followers, [member])).toBe(0)

      // Reposted again, undone again, and reposted while that walk is under way.
      await sub.react(PostReposted, reposter, post, nextPostTime())
      await sub.react(PostUnreposted, reposter, post, nextPostTime())
      const [, walk] = await removalsOf(sub, reposter.id)
      await eventually(async () => {
        const [, again] = await removalsOf(sub, reposter.id)
        expect(again?.batches).toBeGreaterThan(0)
      }, WALK_TIMEOUT_MS)
      const repostedAt = nextPostTime()
      await sub.react(PostReposted, reposter, post, repostedAt)
      await eventually(async () => {
        const [, again] = await removalsOf(sub, reposter.id)
        expect(again).toMatchObject({ id: walk?.id, state: 'superseded' })
      }, WALK_TIMEOUT_MS)
      expect(await feedsHolding(sub, followers, [member])).toBe(FOLLOWERS)
      const page = await sub.readFeed(await asReader(sub, followers[0] as Seeded))
      expect(page.items).toEqual([
        expect.objectContaining({
          type: 'repost',
          repostedBy: expect.objectContaining({ id: reposter.id }),
          at: repostedAt.toISOString(),
        }),
      ])
    })
  })
})
