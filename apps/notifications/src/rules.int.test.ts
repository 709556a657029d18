import {
  CommentCreated,
  CommentDeleted,
  Followed,
  PollClosed,
  PostDeleted,
  PostLiked,
  PostReposted,
  PostUnliked,
  PostUnreposted,
  Unfollowed,
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type NotificationsHarness, startNotifications, type TestUser } from './test/harness.js'

let n: NotificationsHarness

beforeAll(async () => {
  n = await startNotifications()
})

afterAll(async () => {
  await n?.close()
})

const at = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString()

function follow(follower: TestUser, followee: TestUser, when = at()) {
  return n.deliver(Followed, { followerId: follower.id, followeeId: followee.id, at: when })
}

function react(
  definition: typeof PostLiked | typeof PostUnliked | typeof PostReposted | typeof PostUnreposted,
  user: TestUser,
  postId: string,
  author: TestUser,
  when = at(),
) {
  return n.deliver(definition, { postId, postAuthorId: author.id, userId: user.id, at: when })
}

function comment(
  author: TestUser,
  post: { id: string; author: TestUser },
  options: {
    parent?: { id: string; author: TestUser }
    mentions?: TestUser[]
    content?: string
  } = {},
) {
  const commentId = uuidv7()
  return n
    .deliver(CommentCreated, {
      commentId,
      postId: post.id,
      postAuthorId: post.author.id,
      authorId: author.id,
      parentId: options.parent?.id ?? null,
      parentAuthorId: options.parent?.author.id ?? null,
      content: options.content ?? `comment ${commentId}`,
      mentions: (options.mentions ?? []).map((user) => user.username),
      createdAt: at(),
    })
    .then(() => commentId)
}

async function typesOf(user: TestUser): Promise<string[]> {
  return (await n.list(user)).items.map((item) => item.type)
}

describe('follow', () => {
  it('notifies the followee with the follower as actor, and an unfollow withdraws it', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    await follow(b, a)
    const { items } = await n.list(a)
    expect(items).toEqual([
      {
        id: expect.any(String),
        type: 'follow',
        actor: { id: b.id, username: b.username, displayName: expect.any(String), avatarUrl: null },
        post: null,
        comment: null,
        read: false,
        createdAt: expect.any(String),
      },
    ])
    expect(await n.unreadCount(a)).toBe(1)
    expect(await typesOf(b)).toEqual([])

    await n.deliver(Unfollowed, { followerId: b.id, followeeId: a.id, at: at(1) })
    expect(await typesOf(a)).toEqual([])
    expect(await n.unreadCount(a)).toBe(0)
  })

  it('keeps an unfollow that arrives before its follow', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    await n.deliver(Unfollowed, { followerId: b.id, followeeId: a.id, at: at(1_000) })
    await follow(b, a, at())
    expect(await typesOf(a)).toEqual([])
    expect(await n.unreadCount(a)).toBe(0)
  })
})

describe('like and repost', () => {
  it('notify the post author; like, unlike and like again is one notification', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const postId = await n.createPost(a, { content: 'My  first\npost' })
    await react(PostLiked, b, postId, a, at())
    const [first] = (await n.list(a)).items
    expect(first).toMatchObject({
      type: 'like',
      actor: { id: b.id },
      post: { id: postId, excerpt: 'My first post' },
    })
    await react(PostUnliked, b, postId, a, at(1))
    expect(await typesOf(a)).toEqual([])
    expect(await n.unreadCount(a)).toBe(0)
    await react(PostLiked, b, postId, a, at(2))
    const { items } = await n.list(a)
    expect(items.map((item) => item.id)).toEqual([first?.id])
    expect(await n.unreadCount(a)).toBe(1)
  })

  it('a duplicated PostLiked delivery yields one notification', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const postId = await n.createPost(a)
    const data = { postId, postAuthorId: a.id, userId: b.id, at: at() }
    const envelope = await n.deliver(PostLiked, data)
    await n.deliver(PostLiked, data, { id: envelope.id })
    await n.deliver(PostLiked, data)
    expect(await typesOf(a)).toEqual(['like'])
    expect(await n.unreadCount(a)).toBe(1)
  })

  it('a repost notifies the author and an unrepost withdraws it', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const postId = await n.createPost(a)
    await react(PostReposted, b, postId, a, at())
    expect(await typesOf(a)).toEqual(['repost'])
    await react(PostUnreposted, b, postId, a, at(1))
    expect(await typesOf(a)).toEqual([])
  })

  it('one’s own like notifies nobody', async () => {
    const a = await n.registerUser('a')
    const postId = await n.createPost(a)
    await react(PostLiked, a, postId, a)
    expect(await typesOf(a)).toEqual([])
  })
})

describe('comments', () => {
  it('a comment notifies the post author, a reply the parent comment’s author, never the actor', async () => {
    const [a, b, c] = [
      await n.registerUser('a'),
      await n.registerUser('b'),
      await n.registerUser('c'),
    ]
    const postId = await n.createPost(a)
    const post = { id: postId, author: a }
    const first = await comment(b, post, { content: 'Nice one' })
    expect((await n.list(a)).items).toEqual([
      expect.objectContaining({
        type: 'comment',
        actor: expect.objectContaining({ id: b.id }),
        post: { id: postId, excerpt: expect.any(String) },
        comment: { id: first, excerpt: 'Nice one' },
      }),
    ])
    expect(await typesOf(b)).toEqual([])

    const reply = await comment(c, post, { parent: { id: first, author: b } })
    expect(await typesOf(b)).toEqual(['reply'])
    expect(await typesOf(a)).toEqual(['comment', 'comment'])
    expect(await typesOf(c)).toEqual([])

    // The post author answering a comment on their own post: a reply for the commenter only.
    await comment(a, post, { parent: { id: reply, author: c } })
    expect(await typesOf(c)).toEqual(['reply'])
    expect(await typesOf(a)).toEqual(['comment', 'comment'])
  })

  it('a CommentDeleted (its author, or a takedown) withdraws what the comment caused', async () => {
    const [a, b, c] = [
      await n.registerUser('a'),
      await n.registerUser('b'),
      await n.registerUser('c'),
    ]
    const postId = await n.createPost(a)
    const commentId = await comment(b, { id: postId, author: a }, { mentions: [c] })
    expect(await typesOf(a)).toEqual(['comment'])
    expect(await typesOf(c)).toEqual(['mention'])
    await n.deliver(CommentDeleted, {
      commentId,
      postId,
      postAuthorId: a.id,
      authorId: b.id,
      deletedBy: uuidv7(),
      deletedAt: at(),
    })
    expect(await typesOf(a)).toEqual([])
    expect(await typesOf(c)).toEqual([])
    expect(await n.unreadCount(a)).toBe(0)
    expect(await n.unreadCount(c)).toBe(0)
  })
})

describe('mentions', () => {
  it('notify accounts that exist and are not the author, once each', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const postId = uuidv7()
    const { PostCreated } = await import('@chatty/contracts')
    await n.deliver(PostCreated, {
      postId,
      authorId: a.id,
      content: `@${b.username} @${a.username} @nobody_here`,
      title: null,
      tags: [],
      mentions: [b.username, a.username, 'nobody_here'],
      visibility: 'public',
      createdAt: at(),
    })
    expect((await n.list(b)).items).toEqual([
      expect.objectContaining({
        type: 'mention',
        actor: expect.objectContaining({ id: a.id }),
        post: expect.objectContaining({ id: postId }),
      }),
    ])
    expect(await typesOf(a)).toEqual([])
  })

  it('in a followers-only post notify followers only, in a private post nobody', async () => {
    const [a, follower, stranger] = [
      await n.registerUser('a'),
      await n.registerUser('f'),
      await n.registerUser('s'),
    ]
    await follow(follower, a)
    await n.createPost(a, { visibility: 'followers', mentions: [follower, stranger] })
    expect(await typesOf(follower)).toEqual(['mention'])
    expect(await typesOf(stranger)).toEqual([])
    await n.createPost(a, { visibility: 'private', mentions: [follower, stranger] })
    expect(await typesOf(follower)).toEqual(['mention'])
    expect(await typesOf(stranger)).toEqual([])
  })

  it('in a comment notify those who may see the post, not the post author twice', async () => {
    const [a, b, follower, stranger] = [
      await n.registerUser('a'),
      await n.registerUser('b'),
      await n.registerUser('f'),
      await n.registerUser('s'),
    ]
    await follow(follower, a)
    await follow(b, a)
    const postId = await n.createPost(a, { visibility: 'followers' })
    await comment(b, { id: postId, author: a }, { mentions: [a, follower, stranger] })
    expect(await typesOf(a)).toEqual(['comment', 'follow', 'follow'])
    expect(await typesOf(follower)).toEqual(['mention'])
    expect(await typesOf(stranger)).toEqual([])
  })
})

describe('poll-ended', () => {
  it('notifies the author and each voter, with no actor', async () => {
    const [a, v1, v2, other] = [
      await n.registerUser('a'),
      await n.registerUser('v'),
      await n.registerUser('v'),
      await n.registerUser('o'),
    ]
    const postId = await n.createPost(a)
    await n.deliver(PollClosed, {
      postId,
      authorId: a.id,
      voterIds: [v1.id, v2.id],
      closedAt: at(),
    })
    for (const user of [a, v1, v2]) {
      expect((await n.list(user)).items).toEqual([
        expect.objectContaining({
          type: 'poll-ended',
          actor: null,
          post: expect.objectContaining({ id: postId }),
        }),
      ])
    }
    expect(await typesOf(other)).toEqual([])
  })
})

describe('post deletion', () => {
  it('removes every notification about the post, and later events about it notify nobody', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const postId = await n.createPost(a)
    await react(PostLiked, b, postId, a)
    await comment(b, { id: postId, author: a })
    expect(await n.unreadCount(a)).toBe(2)
    await n.deliver(PostDeleted, { postId, authorId: a.id, deletedBy: a.id, deletedAt: at() })
    expect(await typesOf(a)).toEqual([])
    expect(await n.unreadCount(a)).toBe(0)
    await react(PostReposted, b, postId, a)
    expect(await typesOf(a)).toEqual([])
  })
})

describe('actors', () => {
  it('show the actor’s current name and avatar', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    await follow(b, a)
    await n.deliver(UserProfileUpdated, {
      userId: b.id,
      displayName: 'Brand New',
      bio: '',
      avatarUrl: 'https://example.test/b.png',
    })
    const [item] = (await n.list(a)).items
    expect(item?.actor).toMatchObject({
      displayName: 'Brand New',
      avatarUrl: 'https://example.test/b.png',
    })
  })

  it('a banned actor’s notifications disappear, and come back on unban', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    await follow(b, a)
    const moderator = uuidv7()
    await n.deliver(UserBanned, {
      userId: b.id,
      reason: 'spam',
      bannedBy: moderator,
      bannedAt: at(),
    })
    expect(await typesOf(a)).toEqual([])
    expect(await n.unreadCount(a)).toBe(0)
    const postId = await n.createPost(a)
    await react(PostLiked, b, postId, a)
    expect(await typesOf(a)).toEqual([])
    await n.deliver(UserUnbanned, { userId: b.id, unbannedBy: moderator, unbannedAt: at(1) })
    expect((await typesOf(a)).sort()).toEqual(['follow', 'like'])
    expect(await n.unreadCount(a)).toBe(2)
  })

  it('a deleted account’s notifications are gone, those it caused and those it received', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    await follow(b, a)
    await follow(a, b)
    await n.deliver(UserDeleted, { userId: b.id })
    expect(await typesOf(a)).toEqual([])
    expect(await n.unreadCount(a)).toBe(0)
    await follow(b, a, at(1))
    expect(await typesOf(a)).toEqual([])
  })
})
