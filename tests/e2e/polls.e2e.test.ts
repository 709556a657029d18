import { eventually } from '@chatty/testing'
import { beforeAll, describe, expect, it } from 'vitest'

import {
  type ApiResponse,
  del,
  expectFieldError,
  expectJson,
  expectProblem,
  expectStatus,
  type Poll,
  type Post,
  post,
} from './support/api.js'
import {
  eventTimeoutMs,
  type Member,
  readFeed,
  readPost,
  registerMember,
  startFollowing,
  waitForFeedToContain,
} from './support/social.js'

function vote(member: Member, postId: string, choices: unknown) {
  return post(`/api/posts/${postId}/poll/votes`, { choices }, { token: member.token })
}

async function publishPoll(author: Member, poll: Record<string, unknown>): Promise<Post> {
  return expectJson<Post>(
    await post('/api/posts', { content: 'Tea or coffee?', poll }, { token: author.token }),
    201,
  )
}

/** The poll of a post as the first page of `reader`'s home feed shows it. */
async function pollInFeed(reader: Member, postId: string): Promise<Poll | null | undefined> {
  const page = await readFeed(reader, { limit: 100 })
  return page.items.find((item) => item.post.id === postId)?.post.poll
}

let author: Member
let voter: Member
let poll: Post

beforeAll(async () => {
  ;[author, voter] = await Promise.all([registerMember(), registerMember()])
  await startFollowing(voter, author.username)
  poll = await publishPoll(author, { options: ['Tea', 'Coffee'], expiresInMinutes: 60 })
})

describe('polls through the gateway', () => {
  it('creates a poll and refuses a bad one, naming the field', async () => {
    expect(poll.poll).toEqual({
      options: [
        { text: 'Tea', votes: 0 },
        { text: 'Coffee', votes: 0 },
      ],
      totalVotes: 0,
      votersCount: 0,
      multiple: false,
      expiresAt: expect.any(String),
      closed: false,
      myChoices: null,
    })
    expectFieldError(
      await post(
        '/api/posts',
        { content: 'bad', poll: { options: ['same', 'Same'], expiresInMinutes: 60 } },
        { token: author.token },
      ),
      'poll.options',
    )
    expectFieldError(
      await post(
        '/api/posts',
        { content: 'bad', poll: { options: ['a', 'b'], expiresInMinutes: 1 } },
        { token: author.token },
      ),
      'poll.expiresInMinutes',
    )
  })

  it('takes one vote per person, also from parallel requests, and shows it everywhere', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => vote(voter, poll.id, [1])))
    const statuses = answers.map((res) => res.status).sort()
    expect(statuses).toEqual([200, ...Array.from({ length: 9 }, () => 409)])
    const accepted = answers.find((res) => res.status === 200)
    expect(accepted?.body).toMatchObject({
      options: [{ votes: 0 }, { votes: 1 }],
      totalVotes: 1,
      votersCount: 1,
      myChoices: [1],
    })
    const refused = answers.find((res) => res.status === 409)
    expectProblem(refused as ApiResponse, 409, 'already-voted')

    const seenByVoter = expectJson<Post>(await readPost(poll.id, voter), 200)
    expect(seenByVoter.poll).toMatchObject({ totalVotes: 1, myChoices: [1] })
    const seenByAnyone = expectJson<Post>(await readPost(poll.id), 200)
    expect(seenByAnyone.poll).toMatchObject({ totalVotes: 1, myChoices: null })

    await waitForFeedToContain(voter, poll.id)
    await eventually(async () => {
      expect(await pollInFeed(voter, poll.id)).toMatchObject({
        options: [{ votes: 0 }, { votes: 1 }],
        votersCount: 1,
        myChoices: [1],
      })
      expect(await pollInFeed(author, poll.id)).toMatchObject({ votersCount: 1, myChoices: null })
    }, eventTimeoutMs)
  })

  it('refuses an invalid choice and a vote in one’s own poll', async () => {
    const other = await registerMember()
    expectProblem(await vote(other, poll.id, [0, 1]), 422, 'invalid-choice')
    expectProblem(await vote(other, poll.id, [2]), 422, 'invalid-choice')
    expectProblem(await vote(author, poll.id, [0]), 422, 'own-poll')
  })

  it('answers 404 for a vote on a deleted post', async () => {
    const doomed = await publishPoll(author, { options: ['a', 'b'], expiresInMinutes: 5 })
    expectStatus(await del(`/api/posts/${doomed.id}`, { token: author.token }), 204)
    expectProblem(await vote(voter, doomed.id, [0]), 404, 'not-found')
  })
})
