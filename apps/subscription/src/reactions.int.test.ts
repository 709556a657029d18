import {
  PostCountsChanged,
  PostCreated,
  PostLiked,
  PostReposted,
  PostUnliked,
  uuidv7,
} from '@chatty/contracts'
import { publishEvent } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  AMQP_URL,
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

interface Counts {
  likeCount: number
  commentCount: number
  repostCount: number
}

function countsData(postId: string, version: number, counts: Counts) {
  return { postId, version, ...counts }
}

async function postIn(author: TestUser): Promise<TestPost> {
  return { id: await sub.createPost(author, { createdAt: nextPostTime() }), author }
}

/** The post of `postId` as the first page of `reader`'s feed shows it. */
async function shown(reader: TestUser, postId: string) {
  const page = await sub.readFeed(reader)
  const item = page.items.find((candidate) => candidate.post.id === postId)
  if (!item) throw new Error(`post ${postId} is not in the feed of ${reader.username}`)
  return item.post
}

async function followingReaders(author: TestUser, ...labels: string[]): Promise<TestUser[]> {
  const readers: TestUser[] = []
  for (const label of labels) {
    const reader = await sub.registerUser(label)
    await sub.follow(reader, author)
    await sub.readFeed(reader)
    readers.push(reader)
  }
  return readers
}

describe('counts in feed items', () => {
  it('shows the counts of the highest version, whatever order and however often they arrive', async () => {
    const author = await sub.registerUser('author')
    const [reader] = (await followingReaders(author, 'reader')) as [TestUser]
    const post = await postIn(author)
    // Read once, so the body is cached before the counts change.
    expect(await shown(reader, post.id)).toMatchObject({
      likeCount: 0,
      commentCount: 0,
      repostCount: 0,
    })

    const second = { likeCount: 5, commentCount: 2, repostCount: 1 }
    const envelope = await sub.deliver(PostCountsChanged, countsData(post.id, 2, second))
    expect(await shown(reader, post.id)).toMatchObject(second)

    // An older total arriving late, the same message redelivered and a copy under a new id.
    await sub.deliver(
      PostCountsChanged,
      countsData(post.id, 1, { likeCount: 9, commentCount: 9, repostCount: 9 }),
    )
    await publishEvent(
      AMQP_URL,
      sub.ctx.config.messagingPrefix,
      PostCountsChanged,
      countsData(post.id, 2, second),
      { id: envelope.id },
    )
    await sub.deliver(PostCountsChanged, countsData(post.id, 2, second))
    expect(await shown(reader, post.id)).toMatchObject(second)

    // Several totals at once, newest first: the highest version stays.
    const totals = [5, 4, 3].map((version) =>
      countsData(post.id, version, {
        likeCount: 10 * version,
        commentCount: version,
        repostCount: version - 1,
      }),
    )
    const sent = await Promise.all(totals.map((data) => sub.publish(PostCountsChanged, data)))
    await sub.consumed(...sent.map((message) => message.id))
    const highest = { likeCount: 50, commentCount: 5, repostCount: 4 }
    expect(await shown(reader, post.id)).toMatchObject(highest)
    expect(await shown(author, post.id)).toMatchObject(highest)
  })

  it('keeps counts that arrive before the post they count', async () => {
    const author = await sub.registerUser('author')
    const [reader] = (await followingReaders(author, 'reader')) as [TestUser]
    const postId = uuidv7()
    const counts = { likeCount: 7, commentCount: 3, repostCount: 2 }
    await sub.deliver(PostCountsChanged, countsData(postId, 4, counts))
    await sub.deliver(PostCreated, {
      postId,
      authorId: author.id,
      content: 'counted already',
      title: null,
      tags: [],
      mentions: [],
      visibility: 'public',
      createdAt: nextPostTime().toISOString(),
    })

    expect(await shown(reader, postId)).toMatchObject({
      content: 'counted already',
      ...counts,
    })
  })
})

describe('likedByMe and repostedByMe in feed items', () => {
  it('tells each reader of one post what they did, from the same cached post', async () => {
    const author = await sub.registerUser('author')
    const [alice, bob] = (await followingReaders(author, 'alice', 'bob')) as [TestUser, TestUser]
    const post = await postIn(author)
    expect(await shown(bob, post.id)).toMatchObject({ likedByMe: false, repostedByMe: false })

    const likedAt = nextPostTime()
    await sub.react(PostLiked, alice, post, likedAt)
    await sub.react(PostReposted, alice, post, likedAt)

    expect(await shown(alice, post.id)).toMatchObject({ likedByMe: true, repostedByMe: true })
    expect(await shown(bob, post.id)).toMatchObject({ likedByMe: false, repostedByMe: false })
    expect(await shown(author, post.id)).toMatchObject({ likedByMe: false, repostedByMe: false })
  })

  it('ignores an unlike older than the like and repeated likes, and applies a newer unlike', async () => {
    const author = await sub.registerUser('author')
    const [reader] = (await followingReaders(author, 'reader')) as [TestUser]
    const post = await postIn(author)
    const before = nextPostTime()
    const likedAt = nextPostTime()
    const after = nextPostTime()

    await sub.react(PostLiked, reader, post, likedAt)
    await sub.react(PostUnliked, reader, post, before)
    await sub.react(PostLiked, reader, post, likedAt)
    expect(await shown(reader, post.id)).toMatchObject({ likedByMe: true })

    await sub.react(PostUnliked, reader, post, after)
    expect(await shown(reader, post.id)).toMatchObject({ likedByMe: false })
    await sub.react(PostLiked, reader, post, likedAt)
    expect(await shown(reader, post.id)).toMatchObject({ likedByMe: false })
  })
})
