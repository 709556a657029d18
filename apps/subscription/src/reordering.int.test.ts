import {
  PostCreated,
  PostUpdated,
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { feedKeys } from './domain/feed-keys.js'
import { startSubscription, type SubscriptionHarness, type TestUser } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000)

function followRequest(follower: TestUser, username: string) {
  return sub.request(`/api/subscriptions/${username}`, { method: 'POST', token: follower.token })
}

async function feedPosts(user: TestUser): Promise<{ id: string; content: string }[]> {
  const res = await sub.request('/api/feed', { token: user.token })
  expect(res.status).toBe(200)
  return (await json(res)).items.map((item: { post: { id: string; content: string } }) => ({
    id: item.post.id,
    content: item.post.content,
  }))
}

function ban(userId: string, bannedAt: Date, until?: Date | null) {
  return sub.deliver(UserBanned, {
    userId,
    reason: 'spam',
    bannedBy: uuidv7(),
    bannedAt: bannedAt.toISOString(),
    ...(until === undefined ? {} : { until: until === null ? null : until.toISOString() }),
  })
}

function unban(userId: string, unbannedAt: Date) {
  return sub.deliver(UserUnbanned, {
    userId,
    unbannedBy: uuidv7(),
    unbannedAt: unbannedAt.toISOString(),
  })
}

describe('user events before UserRegistered', () => {
  it('keeps a profile update that overtook the registration, and shows the account only once registered', async () => {
    const reader = await sub.registerUser('reader')
    const id = uuidv7()
    await sub.deliver(
      UserProfileUpdated,
      { userId: id, displayName: 'Renamed Later', bio: 'new bio', avatarUrl: null },
      { occurredAt: minutesAgo(1) },
    )
    const followers = await sub.request(`/api/subscriptions/${reader.username}/followers`)
    expect((await json(followers)).items).toEqual([])

    const early = await sub.registerUser('early', { id, registeredAt: minutesAgo(5) })
    expect((await sub.follow(early, reader)).status).toBe(201)
    const page = await json(await sub.request(`/api/subscriptions/${reader.username}/followers`))
    expect(page.items).toEqual([
      expect.objectContaining({
        id,
        username: early.username,
        displayName: 'Renamed Later',
        bio: 'new bio',
        followingCount: 1,
      }),
    ])
  })

  it('pushes new posts to a follower whose registration has not arrived yet, and counts their follow once it has', async () => {
    const author = await sub.registerUser('author')
    const id = uuidv7()
    const username = `unannounced_${id.slice(-8)}`
    const follower = { id, username, token: await sub.issuer.sign({ id, username }) }
    expect((await sub.follow(follower, author)).status).toBe(201)
    expect(await sub.feedIds(follower)).toEqual([])

    const postId = await sub.createPost(author)
    expect(await sub.feedKeyMembers(follower.id)).toEqual([postId])

    await sub.registerUser('late', { id, registeredAt: minutesAgo(5) })
    const followers = await json(
      await sub.request(`/api/subscriptions/${author.username}/followers`),
    )
    expect(followers.items).toEqual([expect.objectContaining({ id, followingCount: 1 })])
  })

  it('applies a ban that arrived before the registration, ignores an older unban, and lifts it on a newer one', async () => {
    const reader = await sub.registerUser('reader')
    const id = uuidv7()
    await ban(id, minutesAgo(2))
    const banned = await sub.registerUser('banned', { id, registeredAt: minutesAgo(10) })
    expect((await followRequest(reader, banned.username)).status).toBe(404)

    await unban(id, minutesAgo(3))
    expect((await followRequest(reader, banned.username)).status).toBe(404)

    await unban(id, minutesAgo(1))
    expect((await followRequest(reader, banned.username)).status).toBe(201)
  })

  it('ignores a ban older than an unban that overtook it', async () => {
    const reader = await sub.registerUser('reader')
    const id = uuidv7()
    await unban(id, minutesAgo(1))
    const user = await sub.registerUser('unbanned', { id, registeredAt: minutesAgo(10) })
    await ban(id, minutesAgo(2))
    expect((await followRequest(reader, user.username)).status).toBe(201)
  })

  it('keeps an account deleted before its registration arrived at 404', async () => {
    const reader = await sub.registerUser('reader')
    const id = uuidv7()
    await sub.deliver(UserDeleted, { userId: id })
    const gone = await sub.registerUser('gone', { id, registeredAt: minutesAgo(10) })
    expect((await followRequest(reader, gone.username)).status).toBe(404)
    expect((await sub.request(`/api/subscriptions/${gone.username}/followers`)).status).toBe(404)
  })
})

describe('post events out of order', () => {
  it('shows a post whose PostUpdated arrived before its PostCreated, with the newer content', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await sub.follow(reader, author)
    expect(await feedPosts(reader)).toEqual([])

    const createdAt = minutesAgo(2)
    const postId = uuidv7(createdAt.getTime())
    const body = { postId, authorId: author.id, title: null, tags: [], mentions: [] }
    await sub.deliver(PostUpdated, {
      ...body,
      content: 'edited',
      visibility: 'public',
      updatedAt: minutesAgo(1).toISOString(),
    })
    expect(await feedPosts(reader)).toEqual([{ id: postId, content: 'edited' }])

    await sub.deliver(PostCreated, {
      ...body,
      content: 'original',
      visibility: 'public',
      createdAt: createdAt.toISOString(),
    })
    await sub.ctx.redis.del(feedKeys.post(postId))
    const res = await sub.request('/api/feed', { token: reader.token })
    const items = (await json(res)).items
    expect(items).toHaveLength(1)
    expect(items[0].post).toMatchObject({
      id: postId,
      content: 'edited',
      createdAt: createdAt.toISOString(),
    })
    const counts = await json(await sub.request(`/api/subscriptions/${reader.username}/following`))
    expect(counts.items[0]).toMatchObject({ id: author.id, postsCount: 1 })
  })
})

describe('temporary bans', () => {
  it('treats a ban as over once its until has passed, and agrees with the UserUnbanned that follows', async () => {
    const [author, reader, second, other] = [
      await sub.registerUser('author'),
      await sub.registerUser('reader'),
      await sub.registerUser('second'),
      await sub.registerUser('other'),
    ]
    await sub.follow(reader, author)
    await sub.follow(second, author)
    await sub.follow(author, other)
    await feedPosts(reader)
    await feedPosts(second)
    const postId = await sub.createPost(author, { createdAt: minutesAgo(1) })
    expect((await feedPosts(reader)).map((post) => post.id)).toEqual([postId])

    const bannedAt = new Date()
    await ban(author.id, bannedAt, new Date(bannedAt.getTime() + 3_000))
    expect(await feedPosts(reader)).toEqual([])
    expect(await feedPosts(second)).toEqual([])
    expect((await followRequest(other, author.username)).status).toBe(404)

    await eventually(async () => {
      expect((await followRequest(other, author.username)).status).toBe(201)
    }, 8_000)
    const followers = await json(
      await sub.request(`/api/subscriptions/${other.username}/followers`),
    )
    expect(followers.items.map((user: { id: string }) => user.id)).toEqual([author.id])
    // A feed rebuilt after the ban ran out shows the author again.
    await sub.ctx.redis.del(feedKeys.feed(reader.id), feedKeys.feedBuilt(reader.id))
    expect((await feedPosts(reader)).map((post) => post.id)).toEqual([postId])

    // The admin service's UserUnbanned at expiry puts the posts back into the other feeds.
    await unban(author.id, new Date())
    expect((await feedPosts(second)).map((post) => post.id)).toEqual([postId])
    expect((await feedPosts(reader)).map((post) => post.id)).toEqual([postId])
  })

  it('does not hide an account whose ban had already run out when it arrived', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await ban(author.id, minutesAgo(10), minutesAgo(5))
    expect((await followRequest(reader, author.username)).status).toBe(201)
  })
})
