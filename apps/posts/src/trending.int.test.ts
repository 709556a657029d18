import { randomBytes } from 'node:crypto'

import { UserBanned, UserRegistered, uuidv7 } from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
import { limits } from './domain/rate-limits.js'
import { pruneTagUses, trendingTagsReader } from './domain/trending-tags.js'
import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  // Every read computes anew, so each test sees its own writes.
  posts = await startPosts({ TRENDING_TAGS_CACHE_MS: '1' })
})

afterAll(async () => {
  await posts?.close()
})

interface Trending {
  items: { tag: string; count: number }[]
}

const json = async (res: Response) => (await res.json()) as Record<string, any>

/** A tag no other test uses, so tests sharing the database do not see each other's counts. */
const freshTag = (label: string) => `${label}_${randomBytes(4).toString('hex')}`

async function member(label = 'u'): Promise<TestUser> {
  const user = await posts.user({ label })
  await posts.deliver(UserRegistered, {
    userId: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName: user.username,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
  return user
}

async function publishPost(user: TestUser, body: Record<string, unknown>) {
  const res = await posts.request('/api/posts', { body, token: user.token })
  expect(res.status).toBe(201)
  return json(res)
}

async function trending(query = '?limit=50'): Promise<Trending> {
  const res = await posts.request(`/api/posts/trending-tags${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as Trending
}

/** The tag's count of distinct accounts, undefined when it does not trend. */
async function countOf(tag: string): Promise<number | undefined> {
  return (await trending()).items.find((item) => item.tag === tag)?.count
}

async function usedBy(tag: string, accounts: number): Promise<TestUser[]> {
  const users = await Promise.all(Array.from({ length: accounts }, () => member('fan')))
  for (const user of users) await publishPost(user, { content: `on #${tag} today` })
  return users
}

describe('trending tags', () => {
  it('ranks a tag used by five accounts above one a single account posted fifty times', async () => {
    const popular = freshTag('popular')
    const spammed = freshTag('spammed')
    await usedBy(popular, 5)
    const spammer = await member('spammer')
    for (let index = 0; index < 50; index++) {
      // Posting fifty times is beyond the posting rate limit; the spam itself is the point here.
      if (index % limits.createPerUser.limit === 0) {
        await posts.ctx.redis.del(`rl:${limits.createPerUser.name}:${spammer.id}`)
      }
      await publishPost(spammer, { content: `buy now #${spammed} ${index}` })
    }

    const { items } = await trending()
    const rank = (tag: string) => items.findIndex((item) => item.tag === tag)
    expect(items[rank(popular)]).toEqual({ tag: popular, count: 5 })
    expect(items[rank(spammed)]).toEqual({ tag: spammed, count: 1 })
    expect(rank(popular)).toBeLessThan(rank(spammed))
  })

  it('counts the tags of public posts only', async () => {
    const open = freshTag('open')
    const fans = freshTag('fans')
    const secret = freshTag('secret')
    const users = await Promise.all([member(), member(), member()])
    for (const user of users) {
      await publishPost(user, { content: `#${open}` })
      await publishPost(user, { content: `#${fans}`, visibility: 'followers' })
      await publishPost(user, { content: `#${secret}`, visibility: 'private' })
    }

    expect(await countOf(open)).toBe(3)
    expect(await countOf(fans)).toBeUndefined()
    expect(await countOf(secret)).toBeUndefined()
  })

  it('forgets uses older than 24 hours, and the pruning removes them', async () => {
    const stale = freshTag('stale')
    await usedBy(stale, 3)
    expect(await countOf(stale)).toBe(3)

    const dayAndHourAgo = new Date(Date.now() - 25 * 60 * 60 * 1000)
    await db(posts.ctx.orm.em.fork())
      .updateTable('tag_uses')
      .set({ used_at: dayAndHourAgo })
      .where('tag', '=', stale)
      .execute()
    expect(await countOf(stale)).toBeUndefined()

    await pruneTagUses(posts.ctx.orm.em.fork(), new Date())
    const left = await db(posts.ctx.orm.em.fork())
      .selectFrom('tag_uses')
      .select('post_id')
      .where('tag', '=', stale)
      .execute()
    expect(left).toEqual([])
  })

  it('stops counting a banned account', async () => {
    const tag = freshTag('banned')
    const [, troll] = await usedBy(tag, 3)
    expect(await countOf(tag)).toBe(3)

    await posts.deliver(UserBanned, {
      userId: troll!.id,
      reason: 'spam',
      bannedBy: uuidv7(),
      bannedAt: new Date().toISOString(),
    })
    await eventually(async () => expect(await countOf(tag)).toBe(2))
  })

  it('follows edits and deletions of posts', async () => {
    const tag = freshTag('edited')
    const [alice, bob, carol] = await Promise.all([member(), member(), member()])
    const fromAlice = await publishPost(alice!, { content: `first #${tag}` })
    const fromBob = await publishPost(bob!, { content: `hello #${tag}` })
    const fromCarol = await publishPost(carol!, { content: `also #${tag}` })
    await publishPost(alice!, { content: `again #${tag}` })
    expect(await countOf(tag)).toBe(3)

    const edit = await posts.request(`/api/posts/${fromBob.id}`, {
      method: 'PATCH',
      body: { content: 'hello, no tag any more' },
      token: bob!.token,
    })
    expect(edit.status).toBe(200)
    expect(await countOf(tag)).toBe(2)

    const hidden = await posts.request(`/api/posts/${fromCarol.id}`, {
      method: 'PATCH',
      body: { visibility: 'private' },
      token: carol!.token,
    })
    expect(hidden.status).toBe(200)
    expect(await countOf(tag)).toBe(1)

    // Alice used the tag twice: deleting one post leaves her other use.
    const deleted = await posts.request(`/api/posts/${fromAlice.id}`, {
      method: 'DELETE',
      token: alice!.token,
    })
    expect(deleted.status).toBe(204)
    expect(await countOf(tag)).toBe(1)
  })

  it('answers { items: [{ tag, count }] }, most accounts first, at most `limit` of them', async () => {
    const tags = [freshTag('a'), freshTag('b'), freshTag('c')]
    const users = await Promise.all(Array.from({ length: 6 }, () => member()))
    // Six accounts use the first tag, five the second, four the third: far above any other test's.
    for (const [index, user] of users.entries()) {
      const used = tags.filter((_, rank) => index < 6 - rank)
      await publishPost(user, { content: used.map((tag) => `#${tag}`).join(' ') })
    }

    const body = await trending('?limit=2')
    expect(body).toEqual({
      items: [
        { tag: tags[0], count: 6 },
        { tag: tags[1], count: 5 },
      ],
    })
    expect((await trending('')).items.length).toBeLessThanOrEqual(20)
    for (const limit of ['0', '51', 'many']) {
      const res = await posts.request(`/api/posts/trending-tags?limit=${limit}`)
      expect(res.status).toBe(422)
      expect((await json(res)).errors[0].path).toBe('limit')
    }
  })

  it('serves one computed list for the cache period, then computes it anew', async () => {
    const tag = freshTag('cached')
    await usedBy(tag, 2)
    let now = new Date()
    const reader = trendingTagsReader({
      em: posts.ctx.orm.em,
      clock: () => now,
      cacheMs: 30_000,
    })
    const countRead = async () => (await reader.read(50)).find((item) => item.tag === tag)?.count
    expect(await countRead()).toBe(2)

    await usedBy(tag, 1)
    expect(await countRead()).toBe(2)
    now = new Date(now.getTime() + 29_000)
    expect(await countRead()).toBe(2)
    now = new Date(now.getTime() + 1_000)
    expect(await countRead()).toBe(3)
  })
})
