import {
  Followed,
  PostCountsChanged,
  PostLiked,
  PostReposted,
  PostUnliked,
  PostUnreposted,
  Unfollowed,
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserRegistered,
  UserUnbanned,
} from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  // Small batches, so a few reactions already take a walk of several transactions.
  posts = await startPosts({ POST_COUNTS_INTERVAL_MS: '20', STANDING_WALK_BATCH_SIZE: '2' })
})

afterAll(async () => {
  await posts?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

const registeredAt = new Date('2026-01-15T10:00:00.000Z')

/** A user whose UserRegistered posts has applied. */
async function member(label = 'm'): Promise<TestUser> {
  const user = await posts.user({ label })
  await posts.deliver(UserRegistered, {
    userId: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName: `${label} person`,
    role: 'user',
    registeredAt: registeredAt.toISOString(),
  })
  return user
}

async function publish(author: TestUser, body: Record<string, unknown> = {}) {
  const res = await posts.request('/api/posts', {
    body: { content: 'something worth liking', ...body },
    token: author.token,
  })
  expect(res.status).toBe(201)
  return (await json(res)) as { id: string; [key: string]: any }
}

function act(
  method: 'POST' | 'DELETE',
  reaction: 'like' | 'repost',
  postId: string,
  user: TestUser,
) {
  return posts.request(`/api/posts/${postId}/${reaction}`, { method, token: user.token })
}

async function read(postId: string, viewer?: TestUser) {
  const res = await posts.request(`/api/posts/${postId}`, { token: viewer?.token })
  expect(res.status).toBe(200)
  return json(res)
}

async function likers(postId: string, query = '', viewer?: TestUser) {
  const res = await posts.request(`/api/posts/${postId}/likes${query}`, { token: viewer?.token })
  expect(res.status).toBe(200)
  return json(res)
}

/** The events of one type about one post, in the order they were published. */
function eventsOf(type: string, postId: string) {
  return posts.events
    .messages()
    .filter((message) => message.type === type && message.body.data.postId === postId)
    .map((message) => message.body.data)
}

function lastCounts(postId: string) {
  return eventsOf(PostCountsChanged.type, postId).at(-1)
}

/** The post's counts as every reader and subscriber sees them once published. */
async function expectCounts(postId: string, counts: { likeCount: number; repostCount: number }) {
  await eventually(() => expect(lastCounts(postId)).toMatchObject(counts))
  expect(await read(postId)).toMatchObject(counts)
}

function ban(user: TestUser, at = new Date()) {
  return posts.deliver(UserBanned, {
    userId: user.id,
    reason: 'spam',
    bannedBy: user.id,
    bannedAt: at.toISOString(),
  })
}

function unban(user: TestUser, at = new Date()) {
  return posts.deliver(UserUnbanned, {
    userId: user.id,
    unbannedBy: user.id,
    unbannedAt: at.toISOString(),
  })
}

describe('likes', () => {
  it('counts 20 parallel identical likes once and announces one PostLiked, and so for unlikes', async () => {
    const author = await member('author')
    const fan = await member('fan')
    const post = await publish(author)

    const liked = await Promise.all(
      Array.from({ length: 20 }, () => act('POST', 'like', post.id, fan)),
    )
    for (const res of liked) {
      expect(res.status).toBe(200)
      expect(await json(res)).toEqual({ liked: true, likeCount: 1 })
    }
    const rows = await db(posts.ctx.orm.em.fork())
      .selectFrom('likes')
      .selectAll()
      .where('post_id', '=', post.id)
      .execute()
    expect(rows).toHaveLength(1)

    const unliked = await Promise.all(
      Array.from({ length: 20 }, () => act('DELETE', 'like', post.id, fan)),
    )
    for (const res of unliked) {
      expect(res.status).toBe(200)
      expect(await json(res)).toEqual({ liked: false, likeCount: 0 })
    }

    // The outbox publishes in order: once the unlike is out, every like before it is too.
    await posts.events.next((m) => m.type === PostUnliked.type && m.body.data.postId === post.id)
    expect(eventsOf(PostLiked.type, post.id)).toEqual([
      { postId: post.id, postAuthorId: author.id, userId: fan.id, at: expect.any(String) },
    ])
    expect(eventsOf(PostUnliked.type, post.id)).toHaveLength(1)
    const [like] = eventsOf(PostLiked.type, post.id)
    const [unlike] = eventsOf(PostUnliked.type, post.id)
    expect(Date.parse(String(unlike?.at))).toBeGreaterThan(Date.parse(String(like?.at)))
    await expectCounts(post.id, { likeCount: 0, repostCount: 0 })
  })

  it('publishes the totals in PostCountsChanged after likes and unlikes', async () => {
    const author = await member('author')
    const post = await publish(author)
    const fans = await Promise.all([member('a'), member('b'), member('c')])

    for (const fan of fans) expect((await act('POST', 'like', post.id, fan)).status).toBe(200)
    await expectCounts(post.id, { likeCount: 3, repostCount: 0 })

    const res = await act('DELETE', 'like', post.id, fans[1] as TestUser)
    expect(await json(res)).toEqual({ liked: false, likeCount: 2 })
    await expectCounts(post.id, { likeCount: 2, repostCount: 0 })
    const versions = eventsOf(PostCountsChanged.type, post.id).map((data) => Number(data.version))
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
  })

  it('counts a storm of likes by different accounts exactly', async () => {
    const post = await publish(await member('author'))
    // Accounts whose UserRegistered has not arrived yet may like too.
    const fans = await Promise.all(Array.from({ length: 40 }, () => posts.user({ label: 'storm' })))

    const answers = await Promise.all(fans.map((fan) => act('POST', 'like', post.id, fan)))

    const counts = await Promise.all(answers.map(async (res) => (await json(res)).likeCount))
    expect(answers.map((res) => res.status)).toEqual(fans.map(() => 200))
    // Each answer counts what was committed when it was read, so concurrent likes may not see
    // each other; the published total is exact.
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(1)
    for (const count of counts) expect(count).toBeLessThanOrEqual(40)
    await expectCounts(post.id, { likeCount: 40, repostCount: 0 })
  })

  it('shows likedByMe and repostedByMe to each viewer in single reads and in lists', async () => {
    const author = await member('author')
    const fan = await member('fan')
    const other = await member('other')
    const post = await publish(author)
    await act('POST', 'like', post.id, fan)
    await act('POST', 'repost', post.id, fan)
    await act('POST', 'like', post.id, author)

    expect(await read(post.id, fan)).toMatchObject({ likedByMe: true, repostedByMe: true })
    expect(await read(post.id, author)).toMatchObject({ likedByMe: true, repostedByMe: false })
    expect(await read(post.id, other)).toMatchObject({ likedByMe: false, repostedByMe: false })
    expect(await read(post.id)).toMatchObject({ likedByMe: false, repostedByMe: false })

    const flags = async (viewer?: TestUser) => {
      const list = await json(
        await posts.request(`/api/posts?author=${author.username}`, { token: viewer?.token }),
      )
      return list.items.map((item: any) => [item.id, item.likedByMe, item.repostedByMe])
    }
    expect(await flags(fan)).toEqual([[post.id, true, true]])
    expect(await flags(other)).toEqual([[post.id, false, false]])
    expect(await flags()).toEqual([[post.id, false, false]])

    await act('DELETE', 'like', post.id, fan)
    expect(await read(post.id, fan)).toMatchObject({ likedByMe: false, repostedByMe: true })
  })

  it('answers 404 for a post the caller may not see, and keeps the likes of a deleted post out of sight', async () => {
    const author = await member('author')
    const stranger = await member('stranger')
    const secret = await publish(author, { visibility: 'private' })
    for (const method of ['POST', 'DELETE'] as const) {
      expect((await act(method, 'like', secret.id, stranger)).status).toBe(404)
    }
    expect((await posts.request(`/api/posts/${secret.id}/likes`)).status).toBe(404)
    expect((await act('POST', 'like', 'not-a-uuid', stranger)).status).toBe(404)

    const post = await publish(author)
    await act('POST', 'like', post.id, stranger)
    const deleted = await posts.request(`/api/posts/${post.id}`, {
      method: 'DELETE',
      token: author.token,
    })
    expect(deleted.status).toBe(204)
    expect((await posts.request(`/api/posts/${post.id}/likes`)).status).toBe(404)
    expect((await act('POST', 'like', post.id, stranger)).status).toBe(404)
    const liked = await json(await posts.request(`/api/posts?likedBy=${stranger.username}`))
    expect(liked.items).toEqual([])
  })

  it('needs a token, and a verified email to like but not to unlike', async () => {
    const author = await member('author')
    const post = await publish(author)
    expect((await posts.request(`/api/posts/${post.id}/like`, { method: 'POST' })).status).toBe(401)
    const unverified = await posts.user({ emailVerified: false })
    const res = await act('POST', 'like', post.id, unverified)
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('email-not-verified')
    const undo = await act('DELETE', 'like', post.id, unverified)
    expect(await json(undo)).toEqual({ liked: false, likeCount: 0 })
  })
})

describe('the likers of a post', () => {
  it('lists PublicUsers, newest like first, page by page', async () => {
    const author = await member('author')
    const post = await publish(author)
    const [first, second, third] = [await member('one'), await member('two'), await member('three')]
    for (const fan of [first, second, third]) await act('POST', 'like', post.id, fan)

    await posts.deliver(UserProfileUpdated, {
      userId: third.id,
      displayName: 'Third Fan',
      bio: 'likes things',
      avatarUrl: 'https://img.example.test/3.png',
    })
    await publish(third)
    await publish(third)
    await posts.deliver(Followed, {
      followerId: first.id,
      followeeId: third.id,
      at: new Date().toISOString(),
    })
    await posts.deliver(Followed, {
      followerId: second.id,
      followeeId: third.id,
      at: new Date().toISOString(),
    })
    // A repeated follow changes no count.
    await posts.deliver(Followed, {
      followerId: second.id,
      followeeId: third.id,
      at: new Date().toISOString(),
    })
    await posts.deliver(Followed, {
      followerId: third.id,
      followeeId: author.id,
      at: new Date().toISOString(),
    })

    const page = await likers(post.id, '?limit=2')
    expect(page.items).toEqual([
      {
        id: third.id,
        username: third.username,
        displayName: 'Third Fan',
        bio: 'likes things',
        avatarUrl: 'https://img.example.test/3.png',
        createdAt: registeredAt.toISOString(),
        followersCount: 2,
        followingCount: 1,
        postsCount: 2,
      },
      expect.objectContaining({ id: second.id, bio: '', followersCount: 0, followingCount: 1 }),
    ])
    expect(page.nextCursor).toEqual(expect.any(String))
    const rest = await likers(post.id, `?limit=2&cursor=${page.nextCursor}`)
    expect(rest.items.map((user: any) => user.id)).toEqual([first.id])
    expect(rest.nextCursor).toBeNull()

    await posts.deliver(Unfollowed, {
      followerId: first.id,
      followeeId: third.id,
      at: new Date().toISOString(),
    })
    const after = await likers(post.id, '?limit=1')
    expect(after.items[0]).toMatchObject({ id: third.id, followersCount: 1 })
  })

  it('answers 400 for a cursor it did not make', async () => {
    const post = await publish(await member('author'))
    const res = await posts.request(`/api/posts/${post.id}/likes?cursor=bm9wZQ`)
    expect(res.status).toBe(400)
  })
})

describe('posts an account likes (?likedBy=)', () => {
  it('lists them newest like first, only those the caller may see, combinable with author', async () => {
    const alice = await member('alice')
    const bob = await member('bob')
    const fan = await member('fan')
    const first = await publish(alice)
    const hidden = await publish(bob, { visibility: 'followers' })
    const second = await publish(bob)
    await posts.deliver(Followed, {
      followerId: fan.id,
      followeeId: bob.id,
      at: new Date().toISOString(),
    })
    // Liked in another order than written: the list follows the likes.
    for (const post of [second, hidden, first]) {
      expect((await act('POST', 'like', post.id, fan)).status).toBe(200)
    }

    const ids = async (query: string, viewer?: TestUser) => {
      const res = await posts.request(`/api/posts?${query}`, { token: viewer?.token })
      expect(res.status).toBe(200)
      const page = await json(res)
      return { ids: page.items.map((item: any) => item.id), next: page.nextCursor }
    }
    expect((await ids(`likedBy=${fan.username}`, fan)).ids).toEqual([
      first.id,
      hidden.id,
      second.id,
    ])
    expect((await ids(`likedBy=${fan.username}`)).ids).toEqual([first.id, second.id])
    expect((await ids(`likedBy=${fan.username}&author=${bob.username}`)).ids).toEqual([second.id])

    const page = await ids(`likedBy=${fan.username}&limit=1`, fan)
    expect(page.ids).toEqual([first.id])
    const next = await ids(`likedBy=${fan.username}&limit=2&cursor=${page.next}`, fan)
    expect(next.ids).toEqual([hidden.id, second.id])

    expect((await posts.request('/api/posts?likedBy=nobody_here_at_all')).status).toBe(404)
  })
})

describe('reposts', () => {
  it("refuses one's own post and a post that is not public", async () => {
    const author = await member('author')
    const follower = await member('follower')
    await posts.deliver(Followed, {
      followerId: follower.id,
      followeeId: author.id,
      at: new Date().toISOString(),
    })
    const own = await publish(author)
    let res = await act('POST', 'repost', own.id, author)
    expect(res.status).toBe(422)
    expect((await json(res)).code).toBe('cannot-repost-own')

    const followersOnly = await publish(author, { visibility: 'followers' })
    res = await act('POST', 'repost', followersOnly.id, follower)
    expect(res.status).toBe(422)
    expect((await json(res)).code).toBe('cannot-repost-non-public')

    const secret = await publish(author, { visibility: 'private' })
    expect((await act('POST', 'repost', secret.id, follower)).status).toBe(404)
    expect(await read(own.id)).toMatchObject({ repostCount: 0 })
  })

  it('counts 20 parallel identical reposts once and announces one PostReposted', async () => {
    const author = await member('author')
    const fan = await member('fan')
    const post = await publish(author)

    const reposted = await Promise.all(
      Array.from({ length: 20 }, () => act('POST', 'repost', post.id, fan)),
    )
    for (const res of reposted) {
      expect(res.status).toBe(200)
      expect(await json(res)).toEqual({ reposted: true, repostCount: 1 })
    }
    const res = await act('DELETE', 'repost', post.id, fan)
    expect(await json(res)).toEqual({ reposted: false, repostCount: 0 })
    expect(await json(await act('DELETE', 'repost', post.id, fan))).toEqual({
      reposted: false,
      repostCount: 0,
    })

    await posts.events.next((m) => m.type === PostUnreposted.type && m.body.data.postId === post.id)
    expect(eventsOf(PostReposted.type, post.id)).toEqual([
      { postId: post.id, postAuthorId: author.id, userId: fan.id, at: expect.any(String) },
    ])
    expect(eventsOf(PostUnreposted.type, post.id)).toHaveLength(1)
    await expectCounts(post.id, { likeCount: 0, repostCount: 0 })
  })
})

describe('banned and deleted accounts', () => {
  it("takes a banned account's likes out of counts and lists until the unban", async () => {
    const author = await member('author')
    const fan = await member('fan')
    const spammer = await member('spammer')
    // More reactions than one batch (2): the walk takes several transactions.
    const liked = [await publish(author), await publish(author), await publish(author)]
    for (const post of liked) {
      await act('POST', 'like', post.id, fan)
      await act('POST', 'like', post.id, spammer)
    }
    const [post] = liked as [{ id: string }]
    await act('POST', 'repost', post.id, spammer)
    await expectCounts(post.id, { likeCount: 2, repostCount: 1 })

    await ban(spammer)
    // Lists leave the account out at once.
    expect((await likers(post.id)).items.map((user: any) => user.id)).toEqual([fan.id])
    expect((await posts.request(`/api/posts?likedBy=${spammer.username}`)).status).toBe(404)
    // Counts follow within a beat.
    for (const { id } of liked) {
      await expectCounts(id, { likeCount: 1, repostCount: 0 })
    }
    // A banned account cannot react (posts knows of the ban even before its token dies).
    expect((await act('POST', 'like', post.id, spammer)).status).toBe(403)

    await unban(spammer)
    for (const { id } of liked) {
      await expectCounts(id, { likeCount: 2, repostCount: id === post.id ? 1 : 0 })
    }
    expect((await likers(post.id)).items.map((user: any) => user.id)).toEqual([spammer.id, fan.id])
    const list = await json(await posts.request(`/api/posts?likedBy=${spammer.username}`))
    expect(list.items).toHaveLength(3)
  })

  it('ignores a ban older than the unban applied, and a repeated ban moves nothing twice', async () => {
    const author = await member('author')
    const fan = await member('fan')
    const post = await publish(author)
    await act('POST', 'like', post.id, fan)
    await expectCounts(post.id, { likeCount: 1, repostCount: 0 })

    const bannedAt = new Date()
    await ban(fan, bannedAt)
    await ban(fan, bannedAt)
    await expectCounts(post.id, { likeCount: 0, repostCount: 0 })
    await unban(fan, new Date(bannedAt.getTime() + 1_000))
    await ban(fan, new Date(bannedAt.getTime() + 500))
    await expectCounts(post.id, { likeCount: 1, repostCount: 0 })
    await eventually(async () => {
      const pending = await db(posts.ctx.orm.em.fork())
        .selectFrom('authors')
        .select('contributions_pending')
        .where('id', '=', fan.id)
        .executeTakeFirstOrThrow()
      expect(pending.contributions_pending).toBe(false)
    })
    expect(await read(post.id)).toMatchObject({ likeCount: 1 })
  })

  it("takes a deleted account's likes and reposts out for good", async () => {
    const author = await member('author')
    const leaver = await member('leaver')
    const post = await publish(author)
    await act('POST', 'like', post.id, leaver)
    await act('POST', 'repost', post.id, leaver)
    await expectCounts(post.id, { likeCount: 1, repostCount: 1 })

    await posts.deliver(UserDeleted, { userId: leaver.id })
    await expectCounts(post.id, { likeCount: 0, repostCount: 0 })
    expect((await likers(post.id)).items).toEqual([])
    await posts.deliver(UserDeleted, { userId: leaver.id })
    await unban(leaver)
    await expectCounts(post.id, { likeCount: 0, repostCount: 0 })
  })
})
