import {
  Followed,
  PostDeleted,
  Unfollowed,
  UserDeleted,
  UserProfileUpdated,
} from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
import { feedKeys } from './domain/feed-keys.js'
import { recordFollow } from './domain/follows.js'
import { findByUsername, type RegisteredUser } from './domain/users.js'
import {
  nextPostTime,
  startSubscription,
  type SubscriptionHarness,
  type TestUser,
} from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

interface Pair {
  followerId: string
  followeeId: string
}

/** The Unfollowed events published so far about follows of `account`, as pairs. */
function unfollowsOf(harness: SubscriptionHarness, account: TestUser) {
  return harness.events
    .messages()
    .filter(
      (m) =>
        m.body.type === 'Unfollowed' &&
        (m.body.data.followerId === account.id || m.body.data.followeeId === account.id),
    )
}

function sorted(pairs: Pair[]): Pair[] {
  const key = (pair: Pair) => `${pair.followerId} ${pair.followeeId}`
  return pairs.toSorted((a, b) => (key(a) < key(b) ? -1 : 1))
}

function pairsOf(messages: ReturnType<typeof unfollowsOf>): Pair[] {
  return sorted(
    messages.map((m) => {
      const { followerId, followeeId } = Unfollowed.schema.parse(m.body.data)
      return { followerId, followeeId }
    }),
  )
}

/** Follow rows in subscription's database that involve `account`, either way. */
async function followRowsOf(harness: SubscriptionHarness, account: TestUser) {
  return db(harness.ctx.orm.em.fork())
    .selectFrom('follows')
    .selectAll()
    .where((eb) => eb.or([eb('follower_id', '=', account.id), eb('followee_id', '=', account.id)]))
    .execute()
}

async function countsOf(harness: SubscriptionHarness, user: TestUser) {
  const found = (await findByUsername(harness.ctx.orm.em.fork(), user.username)) as RegisteredUser
  return { followers: found.followers_count, following: found.following_count }
}

async function listIds(path: string): Promise<string[]> {
  const res = await sub.request(path)
  expect(res.status).toBe(200)
  return (await json(res)).items.map((user: { id: string }) => user.id)
}

function deleteAccount(harness: SubscriptionHarness, user: TestUser, correlationId?: string) {
  return harness.deliver(UserDeleted, { userId: user.id }, { correlationId })
}

describe('account deletion', () => {
  it('removes every follow of the account both ways, one Unfollowed each, and its posts from followers’ feeds', async () => {
    const [gone, fan1, fan2, star1, star2] = [
      await sub.registerUser('gone'),
      await sub.registerUser('fan1'),
      await sub.registerUser('fan2'),
      await sub.registerUser('star1'),
      await sub.registerUser('star2'),
    ]
    await sub.follow(fan1, gone)
    await sub.follow(fan2, gone)
    await sub.follow(gone, star1)
    await sub.follow(gone, star2)
    await sub.follow(fan1, star1)
    await sub.follow(fan2, star2)
    for (const reader of [fan1, fan2, gone]) await sub.feedIds(reader)
    const posts = [
      await sub.createPost(gone, { createdAt: nextPostTime() }),
      await sub.createPost(gone, { createdAt: nextPostTime() }),
    ]
    const starPost = await sub.createPost(star1, { createdAt: nextPostTime() })
    expect(await sub.feedIds(fan1)).toEqual([starPost, ...posts.toReversed()])
    expect(await sub.feedIds(fan2)).toEqual(posts.toReversed())
    expect(await countsOf(sub, star1)).toEqual({ followers: 2, following: 0 })

    await deleteAccount(sub, gone, 'delete-gone')

    await eventually(() => expect(unfollowsOf(sub, gone)).toHaveLength(4), 5_000)
    const unfollows = unfollowsOf(sub, gone)
    expect(pairsOf(unfollows)).toEqual(
      sorted([
        { followerId: fan1.id, followeeId: gone.id },
        { followerId: fan2.id, followeeId: gone.id },
        { followerId: gone.id, followeeId: star1.id },
        { followerId: gone.id, followeeId: star2.id },
      ]),
    )
    for (const event of unfollows) {
      expect(event.body).toMatchObject({ producer: 'subscription', correlationId: 'delete-gone' })
    }
    expect(await followRowsOf(sub, gone)).toEqual([])

    // The lists no longer show the account, and its own lists are gone.
    expect(await listIds(`/api/subscriptions/${star1.username}/followers`)).toEqual([fan1.id])
    expect(await listIds(`/api/subscriptions/${fan1.username}/following`)).toEqual([star1.id])
    expect(await listIds(`/api/subscriptions/${fan2.username}/following`)).toEqual([star2.id])
    for (const list of ['followers', 'following']) {
      const res = await sub.request(`/api/subscriptions/${gone.username}/${list}`)
      expect(res.status).toBe(404)
    }

    // The others' counters, as the lists show them.
    const [starInList] = (
      await json(await sub.request(`/api/subscriptions/${fan1.username}/following`))
    ).items
    expect(starInList).toMatchObject({ id: star1.id, followersCount: 1 })
    const [fanInList] = (
      await json(await sub.request(`/api/subscriptions/${star2.username}/followers`))
    ).items
    expect(fanInList).toMatchObject({ id: fan2.id, followingCount: 1 })
    expect(await countsOf(sub, fan1)).toEqual({ followers: 0, following: 1 })
    expect(await countsOf(sub, star2)).toEqual({ followers: 1, following: 0 })
    expect(await countsOf(sub, gone)).toEqual({ followers: 0, following: 0 })

    // Followers' feeds no longer hold the posts, in Redis or as read; the account's feed is gone.
    for (const fan of [fan1, fan2]) {
      expect(await sub.feedKeyMembers(fan.id)).not.toContain(posts[0])
      expect(await sub.feedKeyMembers(fan.id)).not.toContain(posts[1])
    }
    expect(await sub.feedIds(fan1)).toEqual([starPost])
    expect(await sub.feedIds(fan2)).toEqual([])
    expect(await sub.ctx.redis.exists(feedKeys.feed(gone.id))).toBe(0)
    expect(await sub.deadLetterCount()).toBe(0)
  })

  it('does nothing more when UserDeleted comes again, from the other producer or redelivered', async () => {
    const [gone, fan] = [await sub.registerUser('gone'), await sub.registerUser('fan')]
    await sub.follow(fan, gone)
    const first = await deleteAccount(sub, gone)
    await eventually(() => expect(unfollowsOf(sub, gone)).toHaveLength(1), 5_000)

    await deleteAccount(sub, gone)
    await sub.publish(UserDeleted, first.data, { id: first.id })
    // Consumed in order with the one before: once this one is in, so are the two above.
    await deleteAccount(sub, await sub.registerUser('other'))
    await sub.ctx.messaging.relay.flush()
    expect(unfollowsOf(sub, gone)).toHaveLength(1)
    expect(await countsOf(sub, fan)).toEqual({ followers: 0, following: 0 })
    expect(await sub.deadLetterCount()).toBe(0)
  })

  it('refuses to follow a deleted account (404) and undoes a follow whose request raced the deletion', async () => {
    const [gone, fan, other] = [
      await sub.registerUser('gone'),
      await sub.registerUser('fan'),
      await sub.registerUser('other'),
    ]
    await sub.follow(fan, other)
    await deleteAccount(sub, gone)
    const refused = await sub.request(`/api/subscriptions/${gone.username}`, {
      method: 'POST',
      token: fan.token,
    })
    expect(refused.status).toBe(404)

    // A request that found the account before the deletion committed, and commits after it
    // (and after the deletion's walk): its Followed undoes it.
    await inTransaction(sub.ctx.orm.em, (em) =>
      recordFollow(em, sub.ctx, {
        followerId: fan.id,
        followeeId: gone.id,
        correlationId: 'late-follow',
      }),
    )
    await eventually(() => expect(unfollowsOf(sub, gone)).toHaveLength(1), 5_000)
    expect(unfollowsOf(sub, gone)[0]?.body).toMatchObject({
      correlationId: 'late-follow',
      data: { followerId: fan.id, followeeId: gone.id },
    })
    expect(await followRowsOf(sub, gone)).toEqual([])
    const [fanInList] = (
      await json(await sub.request(`/api/subscriptions/${other.username}/followers`))
    ).items
    expect(fanInList).toMatchObject({ id: fan.id, followingCount: 1 })
  })

  it('ignores a Followed about a deleted account that arrives after the deletion', async () => {
    const [gone, fan] = [await sub.registerUser('gone'), await sub.registerUser('fan')]
    await sub.feedIds(fan)
    await sub.createPost(gone, { createdAt: nextPostTime() })
    await deleteAccount(sub, gone)

    await sub.deliver(Followed, {
      followerId: fan.id,
      followeeId: gone.id,
      at: new Date().toISOString(),
    })
    await sub.deliver(Followed, {
      followerId: gone.id,
      followeeId: fan.id,
      at: new Date().toISOString(),
    })
    expect(await followRowsOf(sub, gone)).toEqual([])
    expect(await sub.feedIds(fan)).toEqual([])
    await sub.ctx.messaging.relay.flush()
    expect(unfollowsOf(sub, gone)).toEqual([])
    expect(await countsOf(sub, fan)).toEqual({ followers: 0, following: 0 })
    expect(await sub.deadLetterCount()).toBe(0)
  })
})

describe('account deletion with more follows than one batch', () => {
  it('removes them a batch per transaction after the deletion commits, until none is left', async () => {
    const small = await startSubscription({ FEED_REMOVAL_BATCH_SIZE: '3' })
    try {
      const gone = await small.registerUser('gone')
      const fans: TestUser[] = []
      const stars: TestUser[] = []
      for (let index = 0; index < 7; index++) {
        const fan = await small.registerUser(`fan${index}`)
        await small.follow(fan, gone)
        await small.feedIds(fan)
        fans.push(fan)
      }
      for (let index = 0; index < 5; index++) {
        const star = await small.registerUser(`star${index}`)
        await small.follow(gone, star)
        stars.push(star)
      }
      const post = await small.createPost(gone, { createdAt: nextPostTime() })
      for (const fan of fans) expect(await small.feedKeyMembers(fan.id)).toEqual([post])

      await deleteAccount(small, gone, 'delete-big')

      const removal = () =>
        db(small.ctx.orm.em.fork())
          .selectFrom('feed_removals')
          .selectAll()
          .where('author_id', '=', gone.id)
          .executeTakeFirstOrThrow()
      await eventually(async () => expect((await removal()).state).toBe('done'), 10_000)
      // 3 followers, 3 followers, 1 follower and 2 followees, 3 followees, then none is left.
      expect(await removal()).toMatchObject({
        reason: 'account-deleted',
        post_ids: [post],
        batches: 4,
        correlation_id: 'delete-big',
      })
      expect(await followRowsOf(small, gone)).toEqual([])
      await eventually(() => expect(unfollowsOf(small, gone)).toHaveLength(12), 5_000)
      expect(pairsOf(unfollowsOf(small, gone))).toEqual(
        sorted([
          ...fans.map((fan) => ({ followerId: fan.id, followeeId: gone.id })),
          ...stars.map((star) => ({ followerId: gone.id, followeeId: star.id })),
        ]),
      )
      for (const fan of fans) {
        expect(await countsOf(small, fan)).toEqual({ followers: 0, following: 0 })
        expect(await small.feedKeyMembers(fan.id)).toEqual([])
      }
      for (const star of stars) {
        expect(await countsOf(small, star)).toEqual({ followers: 0, following: 0 })
      }
      expect(await countsOf(small, gone)).toEqual({ followers: 0, following: 0 })
      expect(await small.deadLetterCount()).toBe(0)
    } finally {
      await small.close()
    }
  })
})

describe('profiles in lists and feeds', () => {
  it('shows a new display name, bio and avatar in a follower’s feed and in the lists at once', async () => {
    const [author, fan] = [await sub.registerUser('author'), await sub.registerUser('fan')]
    await sub.follow(fan, author)
    await sub.feedIds(fan)
    const postId = await sub.createPost(author, { createdAt: nextPostTime() })
    // Read once, so the post's body with the old name is cached.
    const before = await sub.readFeed(fan)
    expect(before.items[0]?.post.author.displayName).not.toBe('Ada Renamed')

    await sub.deliver(UserProfileUpdated, {
      userId: author.id,
      displayName: 'Ada Renamed',
      bio: 'Writes about graphs.',
      avatarUrl: 'https://img.example.test/ada.png',
    })

    const after = await sub.readFeed(fan)
    expect(after.items.map((item) => item.post.id)).toEqual([postId])
    expect(after.items[0]?.post.author).toEqual({
      id: author.id,
      username: author.username,
      displayName: 'Ada Renamed',
      avatarUrl: 'https://img.example.test/ada.png',
    })
    const following = await json(await sub.request(`/api/subscriptions/${fan.username}/following`))
    expect(following.items).toEqual([
      expect.objectContaining({
        id: author.id,
        displayName: 'Ada Renamed',
        bio: 'Writes about graphs.',
        avatarUrl: 'https://img.example.test/ada.png',
        followersCount: 1,
        postsCount: 1,
      }),
    ])
  })

  it('counts an account’s posts in the lists, deleted posts not included', async () => {
    const [author, fan] = [await sub.registerUser('author'), await sub.registerUser('fan')]
    await sub.follow(fan, author)
    await sub.createPost(author, { createdAt: nextPostTime(), visibility: 'followers' })
    const doomed = await sub.createPost(author, { createdAt: nextPostTime() })
    const postsCount = async () =>
      (await json(await sub.request(`/api/subscriptions/${fan.username}/following`))).items[0]
        .postsCount
    expect(await postsCount()).toBe(2)
    await sub.deliver(PostDeleted, {
      postId: doomed,
      authorId: author.id,
      deletedBy: author.id,
      deletedAt: new Date().toISOString(),
    })
    expect(await postsCount()).toBe(1)
  })
})
