import { Followed, UserBanned, UserRegistered, uuidv7 } from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  posts = await startPosts()
})

afterAll(async () => {
  await posts?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

async function publishPost(user: TestUser, body: Record<string, unknown>) {
  const res = await posts.request('/api/posts', { body, token: user.token })
  expect(res.status).toBe(201)
  return json(res)
}

function edit(user: TestUser | undefined, id: string, body: unknown) {
  return posts.request(`/api/posts/${id}`, { method: 'PATCH', body, token: user?.token })
}

async function read(id: string, token?: string) {
  return posts.request(`/api/posts/${id}`, { token })
}

describe('editing a post', () => {
  it('lets the author change the text: tags and mentions are read again, updatedAt moves, PostUpdated', async () => {
    const author = await posts.user({ label: 'ed' })
    await posts.deliver(UserRegistered, {
      userId: author.id,
      username: author.username,
      email: `${author.username}@example.test`,
      displayName: 'Editor',
      role: 'user',
      registeredAt: new Date().toISOString(),
    })
    const post = await publishPost(author, { content: 'first #old cc @alice_1', title: 'Draft' })

    const res = await posts.app.request(`/api/posts/${post.id}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${author.token}`,
        'content-type': 'application/json',
        'x-request-id': 'req-edit-1',
      },
      body: JSON.stringify({ content: '  second #New and #fresh, cc @Bob_2  ', title: null }),
    })
    expect(res.status).toBe(200)
    const edited = await json(res)
    expect(edited).toMatchObject({
      id: post.id,
      author: { id: author.id, username: author.username, displayName: 'Editor' },
      title: null,
      content: 'second #New and #fresh, cc @Bob_2',
      tags: ['new', 'fresh'],
      mentions: ['bob_2'],
      visibility: 'public',
      createdAt: post.createdAt,
      commentCount: 0,
    })
    expect(Date.parse(edited.updatedAt)).toBeGreaterThan(Date.parse(post.updatedAt))
    expect(await json(await read(post.id))).toEqual(edited)

    const event = await posts.events.next(
      (m) => m.body.type === 'PostUpdated' && m.body.data.postId === post.id,
    )
    expect(event.routingKey).toBe('post.updated')
    expect(event.body).toMatchObject({ producer: 'posts', correlationId: 'req-edit-1' })
    expect(event.body.data).toEqual({
      postId: post.id,
      authorId: author.id,
      content: 'second #New and #fresh, cc @Bob_2',
      title: null,
      tags: ['new', 'fresh'],
      mentions: ['bob_2'],
      visibility: 'public',
      updatedAt: edited.updatedAt,
    })
    const byOldTag = await json(await posts.request('/api/posts?tag=old'))
    expect(byOldTag.items.map((p: { id: string }) => p.id)).not.toContain(post.id)
  })

  it('changes only what the body names; a title can be set and visibility changed alone', async () => {
    const author = await posts.user()
    const reader = await posts.user()
    const post = await publishPost(author, { content: 'stays #same' })

    const titled = await json(await edit(author, post.id, { title: '  A title  ' }))
    expect(titled).toMatchObject({ title: 'A title', content: 'stays #same', tags: ['same'] })

    const hidden = await edit(author, post.id, { visibility: 'private' })
    expect(hidden.status).toBe(200)
    expect(await json(hidden)).toMatchObject({ visibility: 'private', title: 'A title' })
    expect((await read(post.id, reader.token)).status).toBe(404)
    expect((await read(post.id, author.token)).status).toBe(200)
    const event = await posts.events.next(
      (m) => m.body.type === 'PostUpdated' && m.body.data.visibility === 'private',
    )
    expect(event.body.data).toMatchObject({ postId: post.id, title: 'A title' })

    await edit(author, post.id, { visibility: 'public' })
    expect((await read(post.id, reader.token)).status).toBe(200)
  })

  it('answers 403 not-owner to another user who can see the post, and leaves it unchanged', async () => {
    const author = await posts.user()
    const other = await posts.user()
    const staff = await posts.user({ role: 'admin' })
    const post = await publishPost(author, { content: 'mine' })
    for (const user of [other, staff]) {
      const res = await edit(user, post.id, { content: 'yours now' })
      expect(res.status).toBe(403)
      expect((await json(res)).code).toBe('not-owner')
    }
    expect(await json(await read(post.id))).toMatchObject({ content: 'mine' })
  })

  it('answers 404 for a post the caller cannot see, an unknown or malformed id and a deleted post', async () => {
    const author = await posts.user()
    const other = await posts.user()
    const secret = await publishPost(author, { content: 'mine only', visibility: 'private' })
    const fans = await publishPost(author, { content: 'fans only', visibility: 'followers' })
    for (const id of [secret.id, fans.id, uuidv7(), 'not-a-uuid']) {
      const res = await edit(other, id, { content: 'taken over' })
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }

    // A follower sees the followers-only post: now it is a matter of ownership.
    await posts.deliver(Followed, {
      followerId: other.id,
      followeeId: author.id,
      at: new Date().toISOString(),
    })
    expect((await edit(other, fans.id, { content: 'taken over' })).status).toBe(403)

    const gone = await publishPost(author, { content: 'going' })
    await posts.request(`/api/posts/${gone.id}`, { method: 'DELETE', token: author.token })
    expect((await edit(author, gone.id, { content: 'back?' })).status).toBe(404)
  })

  it.each([
    ['(body)', {}],
    ['content', { content: '   ' }],
    ['content', { content: 'x'.repeat(1001) }],
    ['title', { title: 't'.repeat(101) }],
    ['visibility', { visibility: 'everyone' }],
    ['authorId', { content: 'ok', authorId: uuidv7() }],
  ])('answers 422 naming "%s" for %j', async (field, body) => {
    const author = await posts.user()
    const post = await publishPost(author, { content: 'valid' })
    const res = await edit(author, post.id, body)
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(JSON.stringify(problem.errors)).toContain(field)
    if (field === '(body)') {
      expect(problem.errors[0].message).toMatch(/at least one/)
    }
  })

  it('refuses a banned author with 403 account-banned, and answers 401 without a token', async () => {
    const author = await posts.user()
    const post = await publishPost(author, { content: 'before the ban' })
    expect((await edit(undefined, post.id, { content: 'anonymous' })).status).toBe(401)

    await posts.deliver(UserBanned, {
      userId: author.id,
      reason: 'spam',
      bannedBy: uuidv7(),
      bannedAt: new Date().toISOString(),
    })
    const res = await edit(author, post.id, { content: 'after the ban' })
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('account-banned')
  })
})
