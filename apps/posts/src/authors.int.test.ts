import {
  Followed,
  Unfollowed,
  UserDeleted,
  UserProfileUpdated,
  UserRegistered,
} from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  posts = await startPosts()
})

afterAll(async () => {
  await posts?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

function registered(user: TestUser, displayName = user.username) {
  return posts.deliver(UserRegistered, {
    userId: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
}

async function publishPost(user: TestUser, body: Record<string, unknown>) {
  const res = await posts.request('/api/posts', { body, token: user.token })
  expect(res.status).toBe(201)
  return json(res)
}

async function list(path: string, token?: string): Promise<Record<string, any>[]> {
  const res = await posts.request(path, { token })
  expect(res.status).toBe(200)
  return (await json(res)).items
}

const idsOf = (items: Record<string, any>[]) => items.map((post) => post.id as string)

function follow(follower: TestUser, followee: TestUser, at = new Date()) {
  return posts.deliver(Followed, {
    followerId: follower.id,
    followeeId: followee.id,
    at: at.toISOString(),
  })
}

/** Whether posts records `follower` as following `followee`. */
async function isFollowing(follower: TestUser, followee: TestUser): Promise<boolean> {
  const row = await db(posts.ctx.orm.em.fork())
    .selectFrom('follows')
    .select('following')
    .where('follower_id', '=', follower.id)
    .where('followee_id', '=', followee.id)
    .executeTakeFirst()
  return row?.following ?? false
}

describe('deleted accounts', () => {
  it('hides every post of a deleted author from reads, lists, tags and ?author=, whoever asks', async () => {
    const [author, fan] = [await posts.user({ label: 'gone' }), await posts.user({ label: 'fan' })]
    await registered(author)
    await follow(fan, author)
    const open = await publishPost(author, { content: 'about #farewells' })
    const forFans = await publishPost(author, { content: 'fans only', visibility: 'followers' })
    const tag = `/api/posts?tag=farewells&limit=100`
    expect(idsOf(await list(`/api/posts?author=${author.username}`, fan.token))).toEqual([
      forFans.id,
      open.id,
    ])

    await posts.deliver(UserDeleted, { userId: author.id })

    for (const token of [undefined, fan.token]) {
      expect((await posts.request(`/api/posts/${open.id}`, { token })).status).toBe(404)
      expect((await posts.request(`/api/posts/${forFans.id}`, { token })).status).toBe(404)
      expect(idsOf(await list('/api/posts?limit=100', token))).not.toContain(open.id)
      expect(idsOf(await list(tag, token))).not.toContain(open.id)
      const byAuthor = await posts.request(`/api/posts?author=${author.username}`, { token })
      expect(byAuthor.status).toBe(404)
    }
    const refused = await posts.request('/api/posts', {
      body: { content: 'still here?' },
      token: author.token,
    })
    expect(refused.status).toBe(401)
  })

  it('does not record a follow of or by a deleted account that arrives after the deletion', async () => {
    const [gone, fan, other] = [
      await posts.user({ label: 'gone' }),
      await posts.user({ label: 'fan' }),
      await posts.user({ label: 'other' }),
    ]
    for (const user of [gone, fan, other]) await registered(user)
    await follow(fan, gone)
    await posts.deliver(UserDeleted, { userId: gone.id })
    // The deletion's Unfollowed, then follows that raced it, arriving late.
    await posts.deliver(Unfollowed, {
      followerId: fan.id,
      followeeId: gone.id,
      at: new Date().toISOString(),
    })
    await follow(fan, gone, new Date(Date.now() + 1_000))
    await follow(gone, other, new Date(Date.now() + 1_000))

    expect(await isFollowing(fan, gone)).toBe(false)
    expect(await isFollowing(gone, other)).toBe(false)
    // The same Followed about two live accounts is recorded.
    await follow(fan, other)
    expect(await isFollowing(fan, other)).toBe(true)
    expect(await posts.deadLetterCount()).toBe(0)
  })
})

describe('profile updates', () => {
  it('show the new display name and avatar in every post’s author, in reads and in lists', async () => {
    const author = await posts.user({ label: 'renamed' })
    await registered(author, 'Old Name')
    const first = await publishPost(author, { content: 'one #renames' })
    const second = await publishPost(author, { content: 'two #renames' })
    expect(first.author.displayName).toBe('Old Name')

    await posts.deliver(UserProfileUpdated, {
      userId: author.id,
      displayName: 'New Name',
      bio: 'bios are not shown on posts',
      avatarUrl: 'https://img.example.test/new.png',
    })
    // An update older than the one applied changes nothing.
    await posts.deliver(
      UserProfileUpdated,
      { userId: author.id, displayName: 'Stale Name', bio: '', avatarUrl: null },
      { occurredAt: new Date(Date.now() - 60_000) },
    )

    const expected = {
      id: author.id,
      username: author.username,
      displayName: 'New Name',
      avatarUrl: 'https://img.example.test/new.png',
    }
    for (const id of [first.id, second.id]) {
      expect((await json(await posts.request(`/api/posts/${id}`))).author).toEqual(expected)
    }
    const lists = [
      `/api/posts?author=${author.username}`,
      '/api/posts?tag=renames&limit=100',
      '/api/posts?limit=100',
    ]
    for (const path of lists) {
      const mine = (await list(path)).filter((post) => post.author.id === author.id)
      expect(idsOf(mine)).toEqual([second.id, first.id])
      for (const post of mine) expect(post.author).toEqual(expected)
    }
    expect((await publishPost(author, { content: 'three' })).author).toEqual(expected)
  })
})
