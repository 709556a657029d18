import {
  PollClosed,
  PollVoted,
  PostCountsChanged,
  PostCreated,
  UserBanned,
  UserRegistered,
  UserUnbanned,
} from '@chatty/contracts'
import { inTransaction, OutboxMessage } from '@chatty/db'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
import { closeDuePolls } from './domain/polls.js'
import { runPollClosing } from './jobs/poll-closing.js'
import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  // The service's own closing job waits a minute between passes: the tests run job instances of
  // their own, to race them and to see them close on time.
  posts = await startPosts({ POST_COUNTS_INTERVAL_MS: '20', POLL_CLOSING_INTERVAL_MS: '60000' })
})

afterAll(async () => {
  await posts?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

async function member(label = 'm'): Promise<TestUser> {
  const user = await posts.user({ label })
  await posts.deliver(UserRegistered, {
    userId: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName: `${label} person`,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
  return user
}

const defaultPoll = { options: ['Tea', 'Coffee', 'Water'], expiresInMinutes: 60 }

async function publishPoll(author: TestUser, poll: Record<string, unknown> = defaultPoll) {
  const res = await posts.request('/api/posts', {
    body: { content: 'Which one?', poll },
    token: author.token,
  })
  expect(res.status).toBe(201)
  return (await json(res)) as { id: string; poll: Record<string, any>; [key: string]: any }
}

function vote(postId: string, user: TestUser, choices: unknown) {
  return posts.request(`/api/posts/${postId}/poll/votes`, { body: { choices }, token: user.token })
}

async function read(postId: string, viewer?: TestUser) {
  const res = await posts.request(`/api/posts/${postId}`, { token: viewer?.token })
  expect(res.status).toBe(200)
  return json(res)
}

function eventsOf(type: string, postId: string) {
  return posts.events
    .messages()
    .filter((message) => message.type === type && message.body.data.postId === postId)
    .map((message) => message.body.data)
}

/** Moves a poll's end into the past, as if its time had run out. */
async function expire(postId: string) {
  await db(posts.ctx.orm.em.fork())
    .updateTable('polls')
    .set({ expires_at: new Date(Date.now() - 1_000) })
    .where('post_id', '=', postId)
    .execute()
}

/** The PollClosed events of a post that posts committed to send (published or not yet). */
async function outboxPollClosed(postId: string) {
  const rows = await posts.ctx.orm.em.fork().find(OutboxMessage, { type: PollClosed.type })
  return rows.filter((row) => (row.envelope.data as { postId: string }).postId === postId)
}

describe('creating a poll', () => {
  it('answers the post with its open poll and announces the definition in PostCreated', async () => {
    const author = await member('author')
    const before = Date.now()
    const post = await publishPoll(author, {
      options: ['  Tea ', 'Coffee'],
      expiresInMinutes: 5,
      multiple: true,
    })

    expect(post.poll).toEqual({
      options: [
        { text: 'Tea', votes: 0 },
        { text: 'Coffee', votes: 0 },
      ],
      totalVotes: 0,
      votersCount: 0,
      multiple: true,
      expiresAt: expect.any(String),
      closed: false,
      myChoices: null,
    })
    const expiresAt = Date.parse(post.poll.expiresAt)
    expect(expiresAt).toBeGreaterThanOrEqual(before + 5 * 60_000)
    expect(expiresAt).toBeLessThan(Date.now() + 5 * 60_000 + 1_000)
    expect(await read(post.id)).toMatchObject({ poll: post.poll })

    const created = await posts.events.next(
      (m) => m.type === PostCreated.type && m.body.data.postId === post.id,
    )
    expect(created.body.data.poll).toEqual({
      options: ['Tea', 'Coffee'],
      multiple: true,
      expiresAt: post.poll.expiresAt,
    })
  })

  it('gives every post without a poll `poll: null`', async () => {
    const author = await member('plain')
    const res = await posts.request('/api/posts', {
      body: { content: 'no poll' },
      token: author.token,
    })
    expect((await json(res)).poll).toBeNull()
  })

  it.each([
    [{ options: ['only one'], expiresInMinutes: 60 }, 'poll.options'],
    [{ options: ['a', 'b', 'c', 'd', 'e'], expiresInMinutes: 60 }, 'poll.options'],
    [{ options: ['Yes', ' yes '], expiresInMinutes: 60 }, 'poll.options'],
    [{ options: ['a', '   '], expiresInMinutes: 60 }, 'poll.options.1'],
    [{ options: ['a', 'x'.repeat(81)], expiresInMinutes: 60 }, 'poll.options.1'],
    [{ options: ['a', 'b'], expiresInMinutes: 4 }, 'poll.expiresInMinutes'],
    [{ options: ['a', 'b'], expiresInMinutes: 10_081 }, 'poll.expiresInMinutes'],
    [{ options: ['a', 'b'], expiresInMinutes: 7.5 }, 'poll.expiresInMinutes'],
    [{ options: ['a', 'b'] }, 'poll.expiresInMinutes'],
    [{ options: ['a', 'b'], expiresInMinutes: 60, multiple: 'yes' }, 'poll.multiple'],
    [{ options: ['a', 'b'], expiresInMinutes: 60, votes: [3, 4] }, 'poll'],
  ])('refuses %j naming %s', async (poll, path) => {
    const author = await member('bad')
    const res = await posts.request('/api/posts', {
      body: { content: 'a bad poll', poll },
      token: author.token,
    })
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((error: { path: string }) => error.path)).toContain(path)
  })

  it('keeps the poll when the post is edited (content may change, the poll may not)', async () => {
    const author = await member('editor')
    const post = await publishPoll(author)
    const edited = await posts.request(`/api/posts/${post.id}`, {
      method: 'PATCH',
      body: { content: 'Which one, really?' },
      token: author.token,
    })
    expect(edited.status).toBe(200)
    expect((await json(edited)).poll).toEqual(post.poll)

    const changePoll = await posts.request(`/api/posts/${post.id}`, {
      method: 'PATCH',
      body: { poll: { options: ['x', 'y'], expiresInMinutes: 60 } },
      token: author.token,
    })
    expect(changePoll.status).toBe(422)
  })
})

describe('voting', () => {
  it('counts 20 parallel identical votes once: one 200, nineteen 409 already-voted', async () => {
    const author = await member('author')
    const voter = await member('voter')
    const post = await publishPoll(author)

    const answers = await Promise.all(Array.from({ length: 20 }, () => vote(post.id, voter, [1])))

    const statuses = answers.map((res) => res.status).sort()
    expect(statuses).toEqual([200, ...Array.from({ length: 19 }, () => 409)])
    const accepted = answers.find((res) => res.status === 200) as Response
    expect(await json(accepted)).toMatchObject({
      options: [
        { text: 'Tea', votes: 0 },
        { text: 'Coffee', votes: 1 },
        { text: 'Water', votes: 0 },
      ],
      totalVotes: 1,
      votersCount: 1,
      closed: false,
      myChoices: [1],
    })
    for (const res of answers.filter((answer) => answer.status === 409)) {
      expect((await json(res)).code).toBe('already-voted')
    }
    expect(await read(post.id, voter)).toMatchObject({
      poll: { totalVotes: 1, votersCount: 1, myChoices: [1] },
    })
    await posts.events.next((m) => m.type === PollVoted.type && m.body.data.postId === post.id)
    expect(eventsOf(PollVoted.type, post.id)).toEqual([
      {
        postId: post.id,
        postAuthorId: author.id,
        userId: voter.id,
        choices: [1],
        at: expect.any(String),
      },
    ])
  })

  it('counts several choices in a multiple-choice poll, and publishes the counts', async () => {
    const author = await member('author')
    const post = await publishPoll(author, {
      options: ['a', 'b', 'c', 'd'],
      expiresInMinutes: 60,
      multiple: true,
    })
    const [first, second] = [await member('v1'), await member('v2')]

    expect((await vote(post.id, first, [3, 0])).status).toBe(200)
    const res = await vote(post.id, second, [0])
    expect(await json(res)).toMatchObject({
      options: [
        { text: 'a', votes: 2 },
        { text: 'b', votes: 0 },
        { text: 'c', votes: 0 },
        { text: 'd', votes: 1 },
      ],
      totalVotes: 3,
      votersCount: 2,
      multiple: true,
      myChoices: [0],
    })
    expect((await read(post.id, first)).poll.myChoices).toEqual([0, 3])
    expect((await read(post.id)).poll.myChoices).toBeNull()
    expect((await read(post.id, author)).poll.myChoices).toBeNull()
    await eventually(() =>
      expect(eventsOf(PostCountsChanged.type, post.id).at(-1)).toMatchObject({
        poll: { votes: [2, 0, 0, 1], votersCount: 2 },
      }),
    )
  })

  it.each([
    ['two choices in a single-choice poll', [0, 1]],
    ['no choice', []],
    ['an option that does not exist', [3]],
    ['a negative index', [-1]],
  ])('refuses %s as 422 invalid-choice', async (_, choices) => {
    const post = await publishPoll(await member('author'))
    const res = await vote(post.id, await member('voter'), choices)
    expect(res.status).toBe(422)
    expect(await json(res)).toMatchObject({ code: 'invalid-choice' })
    expect((await read(post.id)).poll.totalVotes).toBe(0)
  })

  it('refuses the same option twice in a multiple-choice poll, and a body that is not a list of indexes', async () => {
    const post = await publishPoll(await member('author'), { ...defaultPoll, multiple: true })
    const voter = await member('voter')
    expect(await json(await vote(post.id, voter, [1, 1]))).toMatchObject({ code: 'invalid-choice' })
    const malformed = await vote(post.id, voter, ['first'])
    expect(malformed.status).toBe(422)
    expect(await json(malformed)).toMatchObject({ code: 'validation-failed' })
  })

  it("refuses a vote in one's own poll as 422 own-poll", async () => {
    const author = await member('author')
    const post = await publishPoll(author)
    const res = await vote(post.id, author, [0])
    expect(res.status).toBe(422)
    expect(await json(res)).toMatchObject({ code: 'own-poll' })
  })

  it('answers 404 for a post without a poll, a deleted post, an unknown id and a post the voter may not see', async () => {
    const author = await member('author')
    const voter = await member('voter')
    const plain = await posts.request('/api/posts', {
      body: { content: 'no poll' },
      token: author.token,
    })
    const deleted = await publishPoll(author)
    await posts.request(`/api/posts/${deleted.id}`, { method: 'DELETE', token: author.token })
    const privatePost = await posts.request('/api/posts', {
      body: { content: 'mine', visibility: 'private', poll: defaultPoll },
      token: author.token,
    })

    for (const id of [
      (await json(plain)).id,
      deleted.id,
      (await json(privatePost)).id,
      '0190f5c1-0000-7000-8000-000000000000',
      'not-an-id',
    ]) {
      const res = await vote(id, voter, [0])
      expect(res.status).toBe(404)
    }
  })

  it('needs a token and a verified email', async () => {
    const post = await publishPoll(await member('author'))
    const anonymous = await posts.request(`/api/posts/${post.id}/poll/votes`, {
      body: { choices: [0] },
    })
    expect(anonymous.status).toBe(401)
    const unverified = await posts.user({ emailVerified: false })
    const res = await vote(post.id, unverified, [0])
    expect(res.status).toBe(403)
    expect(await json(res)).toMatchObject({ code: 'email-not-verified' })
  })

  it("takes a banned voter's vote out of the counts until the unban, through the standing walk", async () => {
    const author = await member('author')
    const post = await publishPoll(author)
    const [honest, spammer] = [await member('honest'), await member('spammer')]
    await vote(post.id, honest, [0])
    await vote(post.id, spammer, [2])

    const bannedAt = new Date()
    await posts.deliver(UserBanned, {
      userId: spammer.id,
      reason: 'spam',
      bannedBy: author.id,
      bannedAt: bannedAt.toISOString(),
    })
    await eventually(async () =>
      expect((await read(post.id)).poll).toMatchObject({
        options: [{ votes: 1 }, { votes: 0 }, { votes: 0 }],
        totalVotes: 1,
        votersCount: 1,
      }),
    )
    await eventually(() =>
      expect(eventsOf(PostCountsChanged.type, post.id).at(-1)).toMatchObject({
        poll: { votes: [1, 0, 0], votersCount: 1 },
      }),
    )

    await posts.deliver(UserUnbanned, {
      userId: spammer.id,
      unbannedBy: author.id,
      unbannedAt: new Date(bannedAt.getTime() + 1_000).toISOString(),
    })
    await eventually(async () =>
      expect((await read(post.id)).poll).toMatchObject({
        options: [{ votes: 1 }, { votes: 0 }, { votes: 1 }],
        totalVotes: 2,
        votersCount: 2,
      }),
    )
  })
})

describe('closing', () => {
  it('closes a poll at its end: reads say closed, votes are 422 poll-closed, PollClosed names author and voters', async () => {
    const author = await member('author')
    const post = await publishPoll(author)
    const voters = [await member('v1'), await member('v2')]
    for (const voter of voters) expect((await vote(post.id, voter, [0])).status).toBe(200)

    await expire(post.id)
    // Closed for readers and voters from expiresAt on, before the job has run.
    expect((await read(post.id)).poll.closed).toBe(true)
    const late = await vote(post.id, await member('late'), [1])
    expect(late.status).toBe(422)
    expect(await json(late)).toMatchObject({ code: 'poll-closed' })

    const job = new AbortController()
    const running = runPollClosing({
      em: posts.ctx.orm.em,
      clock: () => new Date(),
      intervalMs: 20,
      signal: job.signal,
    })
    try {
      const closed = await posts.events.next(
        (m) => m.type === PollClosed.type && m.body.data.postId === post.id,
      )
      expect(closed.body.data).toEqual({
        postId: post.id,
        authorId: author.id,
        voterIds: voters.map((voter) => voter.id),
        closedAt: expect.any(String),
      })
    } finally {
      job.abort()
      await running
    }
    expect((await read(post.id)).poll).toMatchObject({ closed: true, totalVotes: 2 })
    expect(await outboxPollClosed(post.id)).toHaveLength(1)
  })

  it('sends PollClosed once when two job instances race, and again never', async () => {
    const author = await member('author')
    const many = await Promise.all(Array.from({ length: 5 }, () => publishPoll(author)))
    for (const post of many) await expire(post.id)

    const pass = () =>
      inTransaction(posts.ctx.orm.em, (em) => closeDuePolls(em, { clock: () => new Date() }))
    const racing = await Promise.all([pass(), pass(), pass(), pass()])
    expect(racing.reduce((sum, closed) => sum + closed, 0)).toBeGreaterThanOrEqual(5)
    expect(await Promise.all([pass(), pass()])).toEqual([0, 0])

    for (const post of many) expect(await outboxPollClosed(post.id)).toHaveLength(1)
  })

  it('closes the poll of a deleted post without a PollClosed', async () => {
    const author = await member('author')
    const post = await publishPoll(author)
    await posts.request(`/api/posts/${post.id}`, { method: 'DELETE', token: author.token })
    await expire(post.id)

    await inTransaction(posts.ctx.orm.em, (em) => closeDuePolls(em, { clock: () => new Date() }))

    const poll = await db(posts.ctx.orm.em.fork())
      .selectFrom('polls')
      .select('closed_at')
      .where('post_id', '=', post.id)
      .executeTakeFirstOrThrow()
    expect(poll.closed_at).not.toBeNull()
    expect(await outboxPollClosed(post.id)).toHaveLength(0)
  })
})
