import {
  type FeedItem,
  PostDeleted,
  PostReposted,
  PostUnreposted,
  PostUpdated,
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { feedKeys } from './domain/feed-keys.js'
import {
  nextPostTime,
  startSubscription,
  type SubscriptionHarness,
  type TestPost,
  type TestUser,
} from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

async function postIn(author: TestUser): Promise<TestPost> {
  return { id: await sub.createPost(author, { createdAt: nextPostTime() }), author }
}

/** Reposts `post` as `user` now (in feed time); answers when. */
async function repost(user: TestUser, post: TestPost): Promise<Date> {
  const at = nextPostTime()
  await sub.react(PostReposted, user, post, at)
  return at
}

async function unrepost(user: TestUser, post: TestPost): Promise<void> {
  await sub.react(PostUnreposted, user, post, nextPostTime())
}

/** One line per item of `reader`'s first page: the post, and who reposted it. */
async function feedOf(reader: TestUser): Promise<string[]> {
  const page = await sub.readFeed(reader, '?limit=100')
  return page.items.map((item) =>
    item.type === 'repost' ? `${item.post.id} by ${item.repostedBy?.username}` : item.post.id,
  )
}

const by = (post: TestPost, user: TestUser) => `${post.id} by ${user.username}`

/** One registered user per label, in order. */
async function users<Labels extends string[]>(
  ...labels: Labels
): Promise<{ [Index in keyof Labels]: TestUser }> {
  const registered: TestUser[] = []
  for (const label of labels) registered.push(await sub.registerUser(label))
  return registered as { [Index in keyof Labels]: TestUser }
}

/** `reader` follows each of `followees` and reads the feed once, so fan-out writes to it. */
async function follows(reader: TestUser, ...followees: TestUser[]): Promise<void> {
  for (const followee of followees) await sub.follow(reader, followee)
  await sub.readFeed(reader)
}

function ban(user: TestUser) {
  return sub.deliver(UserBanned, {
    userId: user.id,
    reason: 'spam',
    bannedBy: uuidv7(),
    bannedAt: new Date().toISOString(),
  })
}

function unban(user: TestUser) {
  return sub.deliver(UserUnbanned, {
    userId: user.id,
    unbannedBy: uuidv7(),
    unbannedAt: new Date().toISOString(),
  })
}

function changeVisibility(post: TestPost, visibility: 'public' | 'private') {
  return sub.deliver(PostUpdated, {
    postId: post.id,
    authorId: post.author.id,
    content: `now ${visibility}`,
    title: null,
    tags: [],
    mentions: [],
    visibility,
    updatedAt: nextPostTime().toISOString(),
  })
}

describe('reposts in feeds', () => {
  it('puts a followee’s repost into the follower’s feed as a repost item, and into the reposter’s own', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    await follows(reader, reposter)
    await follows(reposter)
    const post = await postIn(author)
    expect(await feedOf(reader)).toEqual([])

    const at = await repost(reposter, post)

    const page = await sub.readFeed(reader)
    expect(page.items).toEqual([
      {
        type: 'repost',
        post: expect.objectContaining({
          id: post.id,
          author: expect.objectContaining({ id: author.id, username: author.username }),
          likedByMe: false,
          repostedByMe: false,
        }),
        repostedBy: {
          id: reposter.id,
          username: reposter.username,
          displayName: expect.any(String),
          avatarUrl: null,
        },
        at: at.toISOString(),
      } satisfies FeedItem,
    ])
    const own = await sub.readFeed(reposter)
    expect(own.items).toEqual([
      expect.objectContaining({
        type: 'repost',
        post: expect.objectContaining({ id: post.id, repostedByMe: true }),
        repostedBy: expect.objectContaining({ id: reposter.id }),
      }),
    ])
  })

  it('shows a post reposted by two followees once; undoing one keeps it through the other', async () => {
    const [author, first, second, reader] = await users('author', 'first', 'second', 'reader')
    await follows(reader, first, second)
    const post = await postIn(author)
    await repost(first, post)
    const other = await postIn(second)
    await repost(second, post)
    // The first entry of a post wins; a later repost does not move it up again.
    expect(await feedOf(reader)).toEqual([other.id, by(post, first)])
    expect(await sub.feedKeyMembers(reader.id)).toHaveLength(3)

    await unrepost(first, post)
    expect(await feedOf(reader)).toEqual([by(post, second), other.id])

    await unrepost(second, post)
    expect(await feedOf(reader)).toEqual([other.id])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([other.id])
  })

  it('shows the original, not a repost, to a reader who follows the author', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    await follows(reader, author, reposter)
    const post = await postIn(author)

    await repost(reposter, post)

    expect(await feedOf(reader)).toEqual([post.id])
    // Unfollowing the author leaves the post there through the repost.
    await sub.unfollow(reader, author)
    expect(await feedOf(reader)).toEqual([by(post, reposter)])
  })

  it('ignores an unrepost older than the repost, and a repeated repost', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    await follows(reader, reposter)
    const post = await postIn(author)
    const before = nextPostTime()
    const at = await repost(reposter, post)

    await sub.react(PostUnreposted, reposter, post, before)
    await sub.react(PostReposted, reposter, post, at)

    expect(await feedOf(reader)).toEqual([by(post, reposter)])
    expect((await sub.readFeed(reader)).items[0]?.at).toBe(at.toISOString())
  })

  it('backfills a followee’s reposts on follow and removes them on unfollow', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    const post = await postIn(author)
    const own = await postIn(reposter)
    await repost(reposter, post)
    await follows(reader)

    await sub.follow(reader, reposter)
    expect(await feedOf(reader)).toEqual([by(post, reposter), own.id])

    await sub.unfollow(reader, reposter)
    expect(await feedOf(reader)).toEqual([])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([])
  })

  it('hides the reposts of a post turned private, deleted, or whose author is banned', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    await follows(reader, reposter)
    const post = await postIn(author)
    await repost(reposter, post)
    expect(await feedOf(reader)).toEqual([by(post, reposter)])

    await changeVisibility(post, 'private')
    expect(await feedOf(reader)).toEqual([])
    expect(await feedOf(reposter)).toEqual([])
    await changeVisibility(post, 'public')
    expect(await feedOf(reader)).toEqual([by(post, reposter)])

    await ban(author)
    expect(await feedOf(reader)).toEqual([])
    await unban(author)
    expect(await feedOf(reader)).toEqual([by(post, reposter)])

    await sub.deliver(PostDeleted, {
      postId: post.id,
      authorId: author.id,
      deletedBy: author.id,
      deletedAt: new Date().toISOString(),
    })
    expect(await feedOf(reader)).toEqual([])
  })

  it('takes a banned reposter’s reposts out of every feed and brings them back on unban', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    await follows(reader, reposter)
    const post = await postIn(author)
    await repost(reposter, post)
    expect(await feedOf(reader)).toEqual([by(post, reposter)])

    await ban(reposter)
    expect(await feedOf(reader)).toEqual([])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([])
    // Not even from a feed rebuilt from PostgreSQL during the ban.
    await sub.ctx.redis.del(feedKeys.feed(reader.id), feedKeys.feedBuilt(reader.id))
    expect(await feedOf(reader)).toEqual([])

    await unban(reposter)
    expect(await feedOf(reader)).toEqual([by(post, reposter)])
  })

  it('takes a deleted reposter’s reposts out of their followers’ feeds for good', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    await follows(reader, reposter)
    const post = await postIn(author)
    await repost(reposter, post)

    await sub.deliver(UserDeleted, { userId: reposter.id })

    expect(await feedOf(reader)).toEqual([])
    expect(await sub.feedKeyMembers(reader.id)).toEqual([])
  })

  it('shows the reposter’s new name at once', async () => {
    const [author, reposter, reader] = await users('author', 'reposter', 'reader')
    await follows(reader, reposter)
    await repost(reposter, await postIn(author))
    await sub.readFeed(reader)

    await sub.deliver(UserProfileUpdated, {
      userId: reposter.id,
      displayName: 'Renamed Reposter',
      bio: '',
      avatarUrl: null,
    })

    const [item] = (await sub.readFeed(reader)).items
    expect(item?.repostedBy?.displayName).toBe('Renamed Reposter')
  })

  it('rebuilds a feed with reposts from PostgreSQL into the same pages', async () => {
    const [author, first, second, reader] = await users('author', 'first', 'second', 'reader')
    await follows(reader, first, second)
    const posts = [await postIn(author), await postIn(author), await postIn(first)] as const
    const [older, newer, firsts] = posts
    await repost(first, older)
    await repost(second, older)
    await repost(second, newer)
    await repost(second, firsts)
    await repost(first, newer)

    const before = await sub.readFeed(reader, '?limit=100')
    const pagedBefore = await sub.allFeedIds(reader, 2)
    expect(before.items.map((item) => item.post.id).sort()).toEqual(
      posts.map((post) => post.id).sort(),
    )

    await sub.ctx.redis.del(feedKeys.feed(reader.id), feedKeys.feedBuilt(reader.id))

    expect(await sub.readFeed(reader, '?limit=100')).toEqual(before)
    expect(await sub.allFeedIds(reader, 2)).toEqual(pagedBefore)
  })
})
