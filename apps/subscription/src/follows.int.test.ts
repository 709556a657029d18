import { setTimeout as sleep } from 'node:timers/promises'

import { UserBanned, uuidv7 } from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { syncFollowInFeed } from './domain/fan-out.js'
import { lockFollow } from './domain/follows.js'
import { startSubscription, type SubscriptionHarness, type TestUser } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

function followPath(user: TestUser) {
  return `/api/subscriptions/${user.username}`
}

describe('follow', () => {
  it('answers 201 for a new follow and 200 when already following, and publishes Followed once', async () => {
    const [ada, bob] = [await sub.registerUser('ada'), await sub.registerUser('bob')]

    const first = await sub.follow(ada, bob)
    expect(first.status).toBe(201)
    expect(await json(first)).toEqual({ following: true })

    const again = await sub.request(followPath(bob), { method: 'POST', token: ada.token })
    expect(again.status).toBe(200)
    expect(await json(again)).toEqual({ following: true })

    const event = await sub.events.next(
      (m) => m.body.type === 'Followed' && m.body.data.followerId === ada.id,
    )
    expect(event.routingKey).toBe('follow.created')
    expect(event.body.data).toMatchObject({ followerId: ada.id, followeeId: bob.id })
    expect(event.body.producer).toBe('subscription')
    const followed = sub.events
      .messages()
      .filter((m) => m.body.type === 'Followed' && m.body.data.followerId === ada.id)
    expect(followed).toHaveLength(1)

    const followers = await json(await sub.request(`${followPath(bob)}/followers`))
    expect(followers.items.map((u: { id: string }) => u.id)).toEqual([ada.id])
    expect(followers.items[0]).toMatchObject({ username: ada.username, followingCount: 1 })
  })

  it('finds the account whatever the case of the username', async () => {
    const [ada, bob] = [await sub.registerUser('ada'), await sub.registerUser('bob')]
    const res = await sub.request(`/api/subscriptions/${bob.username.toUpperCase()}`, {
      method: 'POST',
      token: ada.token,
    })
    expect(res.status).toBe(201)
  })

  it('refuses to follow yourself with 422 cannot-follow-self', async () => {
    const ada = await sub.registerUser('ada')
    const res = await sub.request(followPath(ada), { method: 'POST', token: ada.token })
    expect(res.status).toBe(422)
    expect((await json(res)).code).toBe('cannot-follow-self')
  })

  it('answers 404 for an unknown account and for a banned one', async () => {
    const [ada, bob] = [await sub.registerUser('ada'), await sub.registerUser('bob')]
    const unknown = await sub.request('/api/subscriptions/nobody_here_at_all', {
      method: 'POST',
      token: ada.token,
    })
    expect(unknown.status).toBe(404)
    expect((await json(unknown)).code).toBe('not-found')

    await sub.deliver(UserBanned, {
      userId: bob.id,
      reason: 'spam',
      bannedBy: uuidv7(),
      bannedAt: new Date().toISOString(),
    })
    const banned = await sub.request(followPath(bob), { method: 'POST', token: ada.token })
    expect(banned.status).toBe(404)
  })

  it('needs a token (401) and a verified email (403 email-not-verified)', async () => {
    const [ada, bob] = [await sub.registerUser('ada'), await sub.registerUser('bob')]
    const anonymous = await sub.request(followPath(bob), { method: 'POST' })
    expect(anonymous.status).toBe(401)

    const unverified = await sub.issuer.sign({ ...ada, emailVerified: false })
    const res = await sub.request(followPath(bob), { method: 'POST', token: unverified })
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('email-not-verified')
  })
})

describe('unfollow', () => {
  it('answers 200 following:false twice, publishes Unfollowed once, and moves the counters back', async () => {
    const [ada, bob] = [await sub.registerUser('ada'), await sub.registerUser('bob')]
    await sub.follow(ada, bob)

    const first = await sub.unfollow(ada, bob)
    expect(first.status).toBe(200)
    expect(await json(first)).toEqual({ following: false })
    const second = await sub.unfollow(ada, bob)
    expect(second.status).toBe(200)
    expect(await json(second)).toEqual({ following: false })

    const event = await sub.events.next(
      (m) => m.body.type === 'Unfollowed' && m.body.data.followerId === ada.id,
    )
    expect(event.routingKey).toBe('follow.deleted')
    expect(event.body.data.followeeId).toBe(bob.id)
    const unfollowed = sub.events
      .messages()
      .filter((m) => m.body.type === 'Unfollowed' && m.body.data.followerId === ada.id)
    expect(unfollowed).toHaveLength(1)

    const followers = await json(await sub.request(`${followPath(bob)}/followers`))
    expect(followers.items).toEqual([])
    const following = await json(await sub.request(`${followPath(ada)}/following`))
    expect(following.items).toEqual([])
  })

  it('answers 404 for an unknown account and 401 without a token', async () => {
    const ada = await sub.registerUser('ada')
    const unknown = await sub.request('/api/subscriptions/nobody_here_at_all', {
      method: 'DELETE',
      token: ada.token,
    })
    expect(unknown.status).toBe(404)
    const anonymous = await sub.request(followPath(ada), { method: 'DELETE' })
    expect(anonymous.status).toBe(401)
  })
})

describe('followers and following lists', () => {
  it('pages followers newest first with a cursor, with their public profiles and counts', async () => {
    const star = await sub.registerUser('star')
    const fans: TestUser[] = []
    for (let index = 0; index < 5; index++) {
      const fan = await sub.registerUser(`fan${index}`)
      expect((await sub.follow(fan, star)).status).toBe(201)
      fans.push(fan)
    }

    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2'
      const res = await sub.request(`${followPath(star)}/followers${query}`)
      expect(res.status).toBe(200)
      const page = await json(res)
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.items.map((u: { id: string }) => u.id))
      cursor = page.nextCursor
      pages++
    } while (cursor)

    expect(pages).toBe(3)
    expect(seen).toEqual(fans.map((fan) => fan.id).reverse())

    const [newest] = (await json(await sub.request(`${followPath(star)}/followers?limit=1`))).items
    expect(newest).toEqual({
      id: fans[4]?.id,
      username: fans[4]?.username,
      displayName: expect.any(String),
      bio: '',
      avatarUrl: null,
      createdAt: expect.any(String),
      followersCount: 0,
      followingCount: 1,
      postsCount: 0,
    })
  })

  it('pages the accounts a user follows, newest follow first, and accepts a token', async () => {
    const reader = await sub.registerUser('reader')
    const followed: TestUser[] = []
    for (let index = 0; index < 3; index++) {
      const author = await sub.registerUser(`author${index}`)
      await sub.follow(reader, author)
      followed.push(author)
    }
    const first = await json(
      await sub.request(`${followPath(reader)}/following?limit=2`, { token: reader.token }),
    )
    expect(first.items.map((u: { id: string }) => u.id)).toEqual([followed[2]?.id, followed[1]?.id])
    expect(first.items[0].followersCount).toBe(1)
    const second = await json(
      await sub.request(`${followPath(reader)}/following?limit=2&cursor=${first.nextCursor}`),
    )
    expect(second.items.map((u: { id: string }) => u.id)).toEqual([followed[0]?.id])
    expect(second.nextCursor).toBeNull()
  })

  it('answers 404 for an unknown account and 400 invalid-cursor for a forged cursor', async () => {
    const ada = await sub.registerUser('ada')
    expect((await sub.request('/api/subscriptions/nobody_here_at_all/followers')).status).toBe(404)
    expect((await sub.request('/api/subscriptions/nobody_here_at_all/following')).status).toBe(404)
    const forged = await sub.request(`${followPath(ada)}/followers?cursor=bm90LWEtY3Vyc29y`)
    expect(forged.status).toBe(400)
    expect((await json(forged)).code).toBe('invalid-cursor')
  })
})

describe('new followers of one account', () => {
  it('are backfilled side by side, not one at a time', async () => {
    const [author, ada, bob] = [
      await sub.registerUser('author'),
      await sub.registerUser('ada'),
      await sub.registerUser('bob'),
    ]
    const postId = await sub.createPost(author)
    await sub.readFeed(bob)
    // Ada's follow is being synced in a transaction that stays open until the end of the test.
    const pair = { followerId: ada.id, followeeId: author.id }
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let holding!: () => void
    const held = new Promise<void>((resolve) => (holding = resolve))
    const syncing = inTransaction(sub.ctx.orm.em, async (em) => {
      await lockFollow(em, pair)
      await syncFollowInFeed(em, sub.ctx, pair)
      holding()
      await released
    })
    try {
      await held
      const followed = await Promise.race([
        sub.follow(bob, author),
        sleep(10_000).then(() => 'still waiting for the other backfill'),
      ])
      expect(followed).toBeInstanceOf(Response)
      expect(await sub.feedIds(bob)).toContain(postId)
    } finally {
      release()
      await syncing
    }
  })
})
