import {
  PostCreated,
  PostDeleted,
  PostUpdated,
  UserBanned,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import { publishEvent } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { feedKeys } from './domain/feed-keys.js'
import type { FeedStore } from './domain/feed-store.js'
import { readHomeFeed } from './domain/home-feed.js'
import {
  AMQP_URL,
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

function post(author: TestUser, visibility: 'public' | 'followers' | 'private' = 'public') {
  return sub.createPost(author, { visibility, createdAt: nextPostTime() })
}

describe('home feed', () => {
  it('shows a new post to followers within moments and not to strangers', async () => {
    const [author, follower, stranger] = [
      await sub.registerUser('author'),
      await sub.registerUser('follower'),
      await sub.registerUser('stranger'),
    ]
    await sub.follow(follower, author)
    // Reading the feed makes both active readers, so fan-out writes to their feeds.
    expect(await sub.feedIds(follower)).toEqual([])
    expect(await sub.feedIds(stranger)).toEqual([])

    const postId = await sub.createPost(author, {
      createdAt: nextPostTime(),
      content: 'hello #feed',
    })

    const page = await sub.readFeed(follower)
    expect(page.items).toEqual([
      {
        type: 'post',
        post: {
          id: postId,
          author: {
            id: author.id,
            username: author.username,
            displayName: expect.any(String),
            avatarUrl: null,
          },
          title: null,
          content: 'hello #feed',
          tags: [],
          mentions: [],
          visibility: 'public',
          likeCount: 0,
          commentCount: 0,
          repostCount: 0,
          likedByMe: false,
          repostedByMe: false,
          poll: null,
          media: [],
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
        repostedBy: null,
        at: page.items[0]?.post.createdAt,
      },
    ])
    expect(page.nextCursor).toBeNull()
    expect(await sub.feedKeyMembers(follower.id)).toEqual([postId])
    expect(await sub.feedIds(stranger)).toEqual([])
    expect(await sub.feedKeyMembers(stranger.id)).toEqual([])
  })

  it('shows your own posts, private ones included, and never private posts of others', async () => {
    const [me, friend] = [await sub.registerUser('me'), await sub.registerUser('friend')]
    await sub.follow(me, friend)
    await sub.readFeed(me)
    const mine = await post(me, 'public')
    const myPrivate = await post(me, 'private')
    const friendsOnly = await post(friend, 'followers')
    const friendPrivate = await post(friend, 'private')

    const ids = await sub.feedIds(me)
    expect(ids).toEqual([friendsOnly, myPrivate, mine])
    expect(ids).not.toContain(friendPrivate)
    expect(await sub.feedIds(friend)).toEqual([friendPrivate, friendsOnly])
  })

  it('backfills the earlier posts of an account when you follow it', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    const first = await post(author)
    const second = await post(author)
    const hidden = await post(author, 'private')
    expect(await sub.feedIds(reader)).toEqual([])

    expect((await sub.follow(reader, author)).status).toBe(201)

    expect(await sub.feedIds(reader)).toEqual([second, first])
    expect(await sub.feedKeyMembers(reader.id)).not.toContain(hidden)
  })

  it('removes a deleted post, and the posts of an account you unfollow', async () => {
    const [alice, bob, reader] = [
      await sub.registerUser('alice'),
      await sub.registerUser('bob'),
      await sub.registerUser('reader'),
    ]
    await sub.follow(reader, alice)
    await sub.follow(reader, bob)
    await sub.readFeed(reader)
    const alicePost = await post(alice)
    const bobFirst = await post(bob)
    const bobSecond = await post(bob)
    expect(await sub.feedIds(reader)).toEqual([bobSecond, bobFirst, alicePost])

    await sub.deliver(PostDeleted, {
      postId: bobSecond,
      authorId: bob.id,
      deletedBy: bob.id,
      deletedAt: new Date().toISOString(),
    })
    expect(await sub.feedIds(reader)).toEqual([bobFirst, alicePost])
    expect(await sub.feedIds(bob)).toEqual([bobFirst])

    expect((await sub.unfollow(reader, alice)).status).toBe(200)
    expect(await sub.feedIds(reader)).toEqual([bobFirst])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([bobFirst])
  })

  it('ignores a PostCreated that arrives after its PostDeleted', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await sub.follow(reader, author)
    await sub.readFeed(reader)
    const postId = uuidv7()
    await sub.deliver(PostDeleted, {
      postId,
      authorId: author.id,
      deletedBy: author.id,
      deletedAt: new Date().toISOString(),
    })
    await sub.deliver(PostCreated, {
      postId,
      authorId: author.id,
      content: 'too late',
      title: null,
      tags: [],
      mentions: [],
      visibility: 'public',
      createdAt: nextPostTime().toISOString(),
    })
    expect(await sub.feedIds(reader)).toEqual([])
    expect(await sub.feedIds(author)).toEqual([])
  })

  it('takes a post out of followers’ feeds when it is made private', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await sub.follow(reader, author)
    await sub.readFeed(reader)
    const createdAt = nextPostTime()
    const postId = await sub.createPost(author, { createdAt })
    expect(await sub.feedIds(reader)).toEqual([postId])

    await sub.deliver(PostUpdated, {
      postId,
      authorId: author.id,
      content: 'on second thought',
      title: null,
      tags: [],
      mentions: [],
      visibility: 'private',
      updatedAt: new Date(createdAt.getTime() + 60_000).toISOString(),
    })
    expect(await sub.feedIds(reader)).toEqual([])
    const own = await sub.readFeed(author)
    expect(own.items[0]?.post).toMatchObject({ id: postId, content: 'on second thought' })
  })

  it('brings a post made public again back into followers’ feeds, in its place', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await sub.follow(reader, author)
    await sub.readFeed(reader)
    const createdAt = nextPostTime()
    const postId = await sub.createPost(author, { createdAt })
    const later = await post(author)
    const update = (visibility: 'private' | 'public', minutes: number) =>
      sub.deliver(PostUpdated, {
        postId,
        authorId: author.id,
        content: `now ${visibility}`,
        title: null,
        tags: [],
        mentions: [],
        visibility,
        updatedAt: new Date(createdAt.getTime() + minutes * 60_000).toISOString(),
      })

    await update('private', 1)
    expect(await sub.feedIds(reader)).toEqual([later])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([later])

    await update('public', 2)
    expect(await sub.feedIds(reader)).toEqual([later, postId])
    const [, item] = (await sub.readFeed(reader)).items
    expect(item?.post).toMatchObject({ content: 'now public', visibility: 'public' })
  })

  it('rebuilds a feed deleted from Redis into exactly the same response', async () => {
    const [alice, bob, reader] = [
      await sub.registerUser('alice'),
      await sub.registerUser('bob'),
      await sub.registerUser('reader'),
    ]
    await sub.follow(reader, alice)
    await sub.follow(reader, bob)
    await sub.readFeed(reader)
    for (const author of [alice, bob, reader, alice, bob]) await post(author)
    await post(bob, 'private')

    const before = await sub.readFeed(reader, '?limit=100')
    expect(before.items).toHaveLength(5)
    const pagedBefore = await sub.allFeedIds(reader, 2)

    await sub.ctx.redis.del(feedKeys.feed(reader.id), feedKeys.feedBuilt(reader.id))
    expect(await sub.feedKeyMembers(reader.id)).toEqual([])

    expect(await sub.readFeed(reader, '?limit=100')).toEqual(before)
    expect(await sub.feedKeyMembers(reader.id)).toHaveLength(5)
    expect(await sub.allFeedIds(reader, 2)).toEqual(pagedBefore)
  })

  it('does not bring back posts of an account unfollowed while the feed was being rebuilt', async () => {
    const [author, other, reader] = [
      await sub.registerUser('author'),
      await sub.registerUser('other'),
      await sub.registerUser('reader'),
    ]
    await sub.follow(reader, author)
    await sub.follow(reader, other)
    await sub.readFeed(reader)
    const gone = await post(author)
    const kept = await post(other)
    expect(await sub.feedIds(reader)).toEqual([kept, gone])
    await sub.ctx.redis.del(feedKeys.feed(reader.id), feedKeys.feedBuilt(reader.id))

    // The unfollow lands after the rebuild has read PostgreSQL and before it writes Redis.
    let interleaved = false
    const feeds: FeedStore = {
      ...sub.ctx.feeds,
      storeFeed: async (...args: Parameters<FeedStore['storeFeed']>) => {
        if (!interleaved) {
          interleaved = true
          expect((await sub.unfollow(reader, author)).status).toBe(200)
        }
        return sub.ctx.feeds.storeFeed(...args)
      },
    }
    const page = await readHomeFeed(
      sub.ctx.orm.em.fork(),
      { ...sub.ctx, feeds },
      { readerId: reader.id, position: undefined, limit: 20 },
    )

    expect(interleaved).toBe(true)
    expect(page.items.map((item) => item.post.id)).toEqual([kept])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([kept])
    expect(await sub.feedIds(reader)).toEqual([kept])
  })

  it('serves the page from PostgreSQL, without storing it, while removals keep landing during rebuilds', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await sub.follow(reader, author)
    const postId = await post(author)
    await sub.ctx.redis.del(feedKeys.feed(reader.id), feedKeys.feedBuilt(reader.id))

    let attempts = 0
    const feeds: FeedStore = {
      ...sub.ctx.feeds,
      storeFeed: async (...args: Parameters<FeedStore['storeFeed']>) => {
        attempts++
        await sub.ctx.feeds.invalidateRebuilds([reader.id])
        return sub.ctx.feeds.storeFeed(...args)
      },
    }
    const page = await readHomeFeed(
      sub.ctx.orm.em.fork(),
      { ...sub.ctx, feeds },
      { readerId: reader.id, position: undefined, limit: 20 },
    )

    expect(page.items.map((item) => item.post.id)).toEqual([postId])
    expect(attempts).toBe(3)
    expect(await sub.ctx.redis.exists(feedKeys.feedBuilt(reader.id))).toBe(0)
    expect(await sub.feedIds(reader)).toEqual([postId])
  })

  it('keeps one entry when the same PostCreated is delivered twice', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await sub.follow(reader, author)
    await sub.readFeed(reader)
    const data = {
      postId: uuidv7(),
      authorId: author.id,
      content: 'once',
      title: null,
      tags: [],
      mentions: [],
      visibility: 'public' as const,
      createdAt: nextPostTime().toISOString(),
    }
    const envelope = await sub.deliver(PostCreated, data)
    // The same message redelivered, and a copy republished under a new message id.
    await publishEvent(AMQP_URL, sub.ctx.config.messagingPrefix, PostCreated, data, {
      id: envelope.id,
    })
    await sub.deliver(PostCreated, data)

    expect(await sub.feedIds(reader)).toEqual([data.postId])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([data.postId])
    const rows = await sub.ctx.orm.em
      .fork()
      .execute('select posts_count from users where id = ?', [author.id])
    expect(rows[0]?.posts_count).toBe(1)
  })

  it('keeps pages stable while new posts arrive between them', async () => {
    const [author, reader] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    await sub.follow(reader, author)
    await sub.readFeed(reader)
    const posts: string[] = []
    for (let index = 0; index < 5; index++) posts.push(await post(author))
    const newestFirst = [...posts].reverse()

    const first = await sub.readFeed(reader, '?limit=2')
    expect(first.items.map((item: { post: { id: string } }) => item.post.id)).toEqual(
      newestFirst.slice(0, 2),
    )

    const arrived = await post(author)

    const rest: string[] = []
    let cursor: string | null = first.nextCursor
    while (cursor) {
      const page: Record<string, any> = await sub.readFeed(reader, `?limit=2&cursor=${cursor}`)
      rest.push(...page.items.map((item: { post: { id: string } }) => item.post.id))
      cursor = page.nextCursor
    }
    expect(rest).toEqual(newestFirst.slice(2))
    expect((await sub.feedIds(reader, '?limit=1'))[0]).toBe(arrived)
  })

  it('hides a banned author’s posts from every feed and brings them back after unban', async () => {
    const [author, reader, other] = [
      await sub.registerUser('author'),
      await sub.registerUser('reader'),
      await sub.registerUser('other'),
    ]
    await sub.follow(reader, author)
    await sub.follow(reader, other)
    await sub.readFeed(reader)
    const first = await post(author)
    const kept = await post(other)
    const second = await post(author)
    expect(await sub.feedIds(reader)).toEqual([second, kept, first])

    const moderator = uuidv7()
    await sub.deliver(UserBanned, {
      userId: author.id,
      reason: 'spam',
      bannedBy: moderator,
      bannedAt: new Date().toISOString(),
    })
    expect(await sub.feedIds(reader)).toEqual([kept])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([kept])
    // A post that arrives during the ban stays out too.
    const during = await post(author)
    expect(await sub.feedIds(reader)).toEqual([kept])
    // And a feed rebuilt during the ban does not bring them back.
    await sub.ctx.redis.del(feedKeys.feed(reader.id), feedKeys.feedBuilt(reader.id))
    expect(await sub.feedIds(reader)).toEqual([kept])

    await sub.deliver(UserUnbanned, {
      userId: author.id,
      unbannedBy: moderator,
      unbannedAt: new Date().toISOString(),
    })
    expect(await sub.feedIds(reader)).toEqual([during, second, kept, first])
  })

  it('drops the feed of a follower gone quiet instead of writing to it, and rebuilds it on return', async () => {
    const [author, sleeper] = [await sub.registerUser('author'), await sub.registerUser('sleeper')]
    await sub.follow(sleeper, author)
    await sub.readFeed(sleeper)
    const before = await post(author)
    expect(await sub.feedKeyMembers(sleeper.id)).toEqual([before])

    const longAgo = new Date(Date.now() - 30.5 * 86_400_000)
    await sub.ctx.orm.em
      .fork()
      .execute('update users set last_active_at = ? where id = ?', [longAgo, sleeper.id])
    await sub.ctx.redis.del(feedKeys.active(sleeper.id))
    const whileAway = await post(author)
    expect(
      await sub.ctx.redis.exists(feedKeys.feed(sleeper.id), feedKeys.feedBuilt(sleeper.id)),
    ).toBe(0)

    expect(await sub.feedIds(sleeper)).toEqual([whileAway, before])
    const rows = await sub.ctx.orm.em
      .fork()
      .execute('select last_active_at > ? as returned from users where id = ?', [
        longAgo,
        sleeper.id,
      ])
    expect(rows[0]?.returned).toBe(true)
  })

  it('answers 401 without a token and 400 for a forged cursor', async () => {
    const reader = await sub.registerUser('reader')
    expect((await sub.request('/api/feed')).status).toBe(401)
    const forged = await sub.request('/api/feed?cursor=eyJhdCI6Inh9', { token: reader.token })
    expect(forged.status).toBe(400)
    expect((await json(forged)).code).toBe('invalid-cursor')
  })
})
