import { PollVoted, PostCountsChanged, PostCreated, PostUpdated, uuidv7 } from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
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

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString()

/** Delivers the PostCreated of a post with a poll, as posts writes it. */
async function pollPost(
  author: TestUser,
  poll: { options: string[]; multiple?: boolean; expiresAt?: string },
) {
  const postId = uuidv7()
  const definition = {
    options: poll.options,
    multiple: poll.multiple ?? false,
    expiresAt: poll.expiresAt ?? inAnHour(),
  }
  await sub.deliver(PostCreated, {
    postId,
    authorId: author.id,
    content: 'Which one?',
    title: null,
    tags: [],
    mentions: [],
    visibility: 'public',
    poll: definition,
    createdAt: nextPostTime().toISOString(),
  })
  return { postId, definition }
}

/** The poll of `postId` as the first page of `reader`'s feed shows it. */
async function shownPoll(reader: TestUser, postId: string) {
  const page = await sub.readFeed(reader)
  const item = page.items.find((candidate) => candidate.post.id === postId)
  if (!item) throw new Error(`post ${postId} is not in the feed of ${reader.username}`)
  return item.post.poll
}

function voted(postId: string, author: TestUser, voter: TestUser, choices: number[]) {
  return sub.deliver(PollVoted, {
    postId,
    postAuthorId: author.id,
    userId: voter.id,
    choices,
    at: new Date().toISOString(),
  })
}

describe('polls in the feed', () => {
  it('shows the poll with posts’ counts, and each reader’s own choices', async () => {
    const author = await sub.registerUser('author')
    const voter = await sub.registerUser('voter')
    const other = await sub.registerUser('other')
    for (const reader of [voter, other]) {
      await sub.follow(reader, author)
      await sub.readFeed(reader)
    }
    const { postId, definition } = await pollPost(author, {
      options: ['Tea', 'Coffee', 'Water'],
      multiple: true,
    })

    const fresh = {
      options: [
        { text: 'Tea', votes: 0 },
        { text: 'Coffee', votes: 0 },
        { text: 'Water', votes: 0 },
      ],
      totalVotes: 0,
      votersCount: 0,
      multiple: true,
      expiresAt: definition.expiresAt,
      closed: false,
      myChoices: null,
    }
    expect(await shownPoll(voter, postId)).toEqual(fresh)

    await voted(postId, author, voter, [0, 2])
    // Repeated: the pair keeps its one vote.
    await voted(postId, author, voter, [1])
    await sub.deliver(PostCountsChanged, {
      postId,
      likeCount: 0,
      commentCount: 0,
      repostCount: 0,
      poll: { votes: [1, 0, 1], votersCount: 1 },
      version: 1,
    })

    const counted = {
      ...fresh,
      options: [
        { text: 'Tea', votes: 1 },
        { text: 'Coffee', votes: 0 },
        { text: 'Water', votes: 1 },
      ],
      totalVotes: 2,
      votersCount: 1,
    }
    expect(await shownPoll(voter, postId)).toEqual({ ...counted, myChoices: [0, 2] })
    expect(await shownPoll(other, postId)).toEqual(counted)
    expect(await shownPoll(author, postId)).toEqual(counted)
  })

  it('reads the choices of a whole page in one query, wherever the bodies come from', async () => {
    const author = await sub.registerUser('author')
    const reader = await sub.registerUser('reader')
    await sub.follow(reader, author)
    await sub.readFeed(reader)
    const polls = []
    for (let index = 0; index < 3; index++) {
      polls.push(await pollPost(author, { options: ['yes', 'no'] }))
    }
    await voted(polls[0]?.postId as string, author, reader, [1])
    await voted(polls[2]?.postId as string, author, reader, [0])

    // Once with bodies from PostgreSQL, once from the cache.
    for (let read = 0; read < 2; read++) {
      const page = await sub.readFeed(reader)
      const choices = new Map(page.items.map((item) => [item.post.id, item.post.poll?.myChoices]))
      expect(polls.map(({ postId }) => choices.get(postId))).toEqual([[1], null, [0]])
    }
  })

  it('calls a poll closed from its expiresAt on', async () => {
    const author = await sub.registerUser('author')
    const { postId } = await pollPost(author, {
      options: ['a', 'b'],
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    })
    expect(await shownPoll(author, postId)).toMatchObject({ closed: true })
  })

  it('shows `poll: null` for a post without one, also from an envelope written before polls', async () => {
    const author = await sub.registerUser('author')
    const postId = await sub.createPost(author, { createdAt: nextPostTime() })
    expect(await shownPoll(author, postId)).toBeNull()
  })

  it('keeps the poll when a PostUpdated overtook the PostCreated', async () => {
    const author = await sub.registerUser('author')
    const postId = uuidv7()
    const createdAt = nextPostTime()
    const body = { postId, authorId: author.id, title: null, tags: [], mentions: [] }
    await sub.deliver(PostUpdated, {
      ...body,
      content: 'edited',
      visibility: 'public',
      updatedAt: new Date(createdAt.getTime() + 1_000).toISOString(),
    })
    expect(await shownPoll(author, postId)).toBeNull()

    const expiresAt = inAnHour()
    await sub.deliver(PostCreated, {
      ...body,
      content: 'original',
      visibility: 'public',
      poll: { options: ['a', 'b'], multiple: false, expiresAt },
      createdAt: createdAt.toISOString(),
    })
    expect(await shownPoll(author, postId)).toMatchObject({
      options: [
        { text: 'a', votes: 0 },
        { text: 'b', votes: 0 },
      ],
      expiresAt,
    })
    const [stored] = await db(sub.ctx.orm.em.fork())
      .selectFrom('posts')
      .select('content')
      .where('id', '=', postId)
      .execute()
    expect(stored?.content).toBe('edited')
  })
})
