import { randomUUID } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import {
  del,
  expectFieldError,
  expectJson,
  expectProblem,
  expectStatus,
  type Page,
  type Post,
  post,
  request,
  withQuery,
} from './support/api.js'
import { publish, readPost, registerMember } from './support/social.js'
import { login, registerUser } from './support/users.js'

describe('publishing a post', () => {
  it('answers 201 with a Post written by the caller', async () => {
    const author = await registerMember()

    const created = expectJson<Post>(
      await post('/api/posts', { title: 'Hello', content: 'First words' }, { token: author.token }),
      201,
    )

    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      author: {
        id: author.id,
        username: author.username,
        displayName: author.displayName,
        avatarUrl: null,
      },
      title: 'Hello',
      content: 'First words',
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
    })
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt)
  })

  it('refuses an account whose email is not verified with 403 email-not-verified', async () => {
    const user = await registerUser()
    const { accessToken } = await login(user)

    const response = await post('/api/posts', { content: 'too early' }, { token: accessToken })

    expectProblem(response, 403, 'email-not-verified')
  })

  it('refuses a request without a token with 401', async () => {
    expectProblem(await post('/api/posts', { content: 'anonymous' }), 401, 'unauthorized')
  })

  it('rejects empty content and names the field', async () => {
    const author = await registerMember()
    expectFieldError(await post('/api/posts', { content: '' }, { token: author.token }), 'content')
  })

  it('rejects an author field in the body, so nobody can post as someone else', async () => {
    const author = await registerMember()
    const victim = await registerMember()

    const response = await post(
      '/api/posts',
      { content: 'impersonation', authorId: victim.id },
      { token: author.token },
    )

    const problem = expectProblem(response, 422, 'validation-failed')
    expect(JSON.stringify(problem.errors)).toContain('authorId')
  })
})

describe('reading a post', () => {
  it('answers 404 for a post that does not exist', async () => {
    expectProblem(await readPost(randomUUID()), 404, 'not-found')
  })

  it('serves a public post to anyone, signed in or not', async () => {
    const author = await registerMember()
    const reader = await registerMember()
    const created = await publish(author)

    expect(expectJson<Post>(await readPost(created.id), 200)).toEqual(created)
    expect(expectJson<Post>(await readPost(created.id, reader), 200).id).toBe(created.id)
  })
})

describe('deleting a post', () => {
  it('refuses anyone but the author with 403 not-owner and keeps the post', async () => {
    const author = await registerMember()
    const other = await registerMember()
    const created = await publish(author)

    expectProblem(await del(`/api/posts/${created.id}`, { token: other.token }), 403, 'not-owner')

    expectJson<Post>(await readPost(created.id), 200)
  })

  it('lets the author delete it with 204, after which it is 404', async () => {
    const author = await registerMember()
    const created = await publish(author)

    expectStatus(await del(`/api/posts/${created.id}`, { token: author.token }), 204)

    expectProblem(await readPost(created.id), 404, 'not-found')
    expectProblem(await readPost(created.id, author), 404, 'not-found')
  })

  it('answers 404 to deleting a post that does not exist', async () => {
    const author = await registerMember()
    expectProblem(
      await del(`/api/posts/${randomUUID()}`, { token: author.token }),
      404,
      'not-found',
    )
  })
})

describe("an author's timeline", () => {
  it('lists their posts newest first, in pages joined by a cursor', async () => {
    const author = await registerMember()
    const other = await registerMember()
    await publish(other)
    const oldest = await publish(author)
    const middle = await publish(author)
    const newest = await publish(author)

    const timeline = (cursor?: string) =>
      request(withQuery('/api/posts', { author: author.username, limit: 2, cursor }))

    const first = expectJson<Page<Post>>(await timeline(), 200)
    expect(first.items.map((item) => item.id)).toEqual([newest.id, middle.id])
    expect(first.nextCursor).toEqual(expect.any(String))

    const second = expectJson<Page<Post>>(await timeline(first.nextCursor ?? undefined), 200)
    expect(second.items.map((item) => item.id)).toEqual([oldest.id])
    expect(second.nextCursor).toBeNull()

    expect(second.items.every((item) => item.author.username === author.username)).toBe(true)
  })
})
