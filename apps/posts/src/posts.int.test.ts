import {
  Followed,
  PostTakedownRequested,
  Unfollowed,
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserRegistered,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
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

async function status(path: string, token?: string) {
  return (await posts.request(path, { token })).status
}

function registered(user: TestUser, displayName = user.username) {
  return posts.deliver(UserRegistered, {
    userId: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
}

describe('publishing', () => {
  it('creates a post with parsed tags and mentions and announces PostCreated', async () => {
    const author = await posts.user({ label: 'pub' })
    const res = await posts.app.request('/api/posts', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${author.token}`,
        'content-type': 'application/json',
        'x-request-id': 'req-create-1',
      },
      body: JSON.stringify({
        content: '  Hello #Chatty and #TypeScript, cc @Alice_1 and @bob_2 #chatty  ',
        title: 'First',
      }),
    })
    expect(res.status).toBe(201)
    const post = await json(res)
    expect(post).toMatchObject({
      author: { id: author.id, username: author.username, displayName: author.username },
      title: 'First',
      content: 'Hello #Chatty and #TypeScript, cc @Alice_1 and @bob_2 #chatty',
      tags: ['chatty', 'typescript'],
      mentions: ['alice_1', 'bob_2'],
      visibility: 'public',
      likeCount: 0,
      commentCount: 0,
      repostCount: 0,
      likedByMe: false,
      repostedByMe: false,
    })
    expect(post.createdAt).toBe(post.updatedAt)

    const event = await posts.events.next(
      (m) => m.body.type === 'PostCreated' && m.body.data.postId === post.id,
    )
    expect(event.routingKey).toBe('post.created')
    expect(event.body).toMatchObject({ producer: 'posts', correlationId: 'req-create-1' })
    expect(event.body.data).toEqual({
      postId: post.id,
      authorId: author.id,
      content: post.content,
      title: 'First',
      tags: ['chatty', 'typescript'],
      mentions: ['alice_1', 'bob_2'],
      visibility: 'public',
      poll: null,
      createdAt: post.createdAt,
      media: [],
    })

    const read = await posts.request(`/api/posts/${post.id}`)
    expect(read.status).toBe(200)
    expect(await json(read)).toEqual(post)
  })

  it('renders the author from UserRegistered and later profile updates', async () => {
    const author = await posts.user({ label: 'prof' })
    await registered(author, 'Profile Person')
    const post = await publishPost(author, { content: 'named' })
    expect(post.author).toEqual({
      id: author.id,
      username: author.username,
      displayName: 'Profile Person',
      avatarUrl: null,
    })

    await posts.deliver(UserProfileUpdated, {
      userId: author.id,
      displayName: 'Renamed',
      bio: '',
      avatarUrl: 'https://img.example.test/a.png',
    })
    const read = await json(await posts.request(`/api/posts/${post.id}`))
    expect(read.author).toMatchObject({
      displayName: 'Renamed',
      avatarUrl: 'https://img.example.test/a.png',
    })
  })

  it('refuses a user whose email is not verified with 403 email-not-verified', async () => {
    const user = await posts.user({ emailVerified: false })
    const res = await posts.request('/api/posts', { body: { content: 'hi' }, token: user.token })
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('email-not-verified')
  })

  it('answers 401 without a token and with a forged one', async () => {
    const res = await posts.request('/api/posts', { body: { content: 'hi' } })
    expect(res.status).toBe(401)
    expect((await json(res)).code).toBe('unauthorized')
    const forged = await posts.request('/api/posts', {
      body: { content: 'hi' },
      token: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln',
    })
    expect(forged.status).toBe(401)
  })

  it.each([
    ['content', { content: '   ' }],
    ['content', { content: 'x'.repeat(1001) }],
    ['content', {}],
    ['title', { content: 'ok', title: 't'.repeat(101) }],
    ['visibility', { content: 'ok', visibility: 'everyone' }],
  ])('answers 422 naming %s for %j', async (field, body) => {
    const user = await posts.user()
    const res = await posts.request('/api/posts', { body, token: user.token })
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(field)
  })

  it('rejects an author in the body: the author is always the caller', async () => {
    const user = await posts.user()
    const other = await posts.user()
    const res = await posts.request('/api/posts', {
      body: { content: 'impersonation', authorId: other.id },
      token: user.token,
    })
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(JSON.stringify(problem.errors)).toContain('authorId')
  })

  it('accepts 1000 characters and an empty title, which becomes null', async () => {
    const user = await posts.user()
    const post = await publishPost(user, { content: 'y'.repeat(1000), title: '  ' })
    expect(post.content).toHaveLength(1000)
    expect(post.title).toBeNull()
  })

  it('limits a user to 30 posts a minute with 429 and Retry-After', async () => {
    const user = await posts.user({ label: 'rl' })
    for (let index = 0; index < 30; index++) {
      await publishPost(user, { content: `post ${index}` })
    }
    const res = await posts.request('/api/posts', {
      body: { content: 'one too many' },
      token: user.token,
    })
    expect(res.status).toBe(429)
    expect((await json(res)).code).toBe('rate-limited')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    const other = await posts.user()
    await publishPost(other, { content: 'others are not limited' })
  })

  it('limits a user to 30 edits a minute, of posts and comments together, with 429', async () => {
    const user = await posts.user({ label: 'rl-edit' })
    const post = await publishPost(user, { content: 'first draft' })
    const edit = (path: string, content: string) =>
      posts.request(path, { method: 'PATCH', body: { content }, token: user.token })
    for (let index = 0; index < 29; index++) {
      expect((await edit(`/api/posts/${post.id}`, `draft ${index}`)).status).toBe(200)
    }
    const comment = await json(
      await posts.request(`/api/posts/${post.id}/comments`, {
        body: { content: 'a comment' },
        token: user.token,
      }),
    )
    expect((await edit(`/api/posts/${post.id}/comments/${comment.id}`, 'edited')).status).toBe(200)
    for (const path of [`/api/posts/${post.id}`, `/api/posts/${post.id}/comments/${comment.id}`]) {
      const res = await edit(path, 'one too many')
      expect(res.status).toBe(429)
      expect((await json(res)).code).toBe('rate-limited')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    expect((await posts.request(`/api/posts/${post.id}`)).status).toBe(200)
    expect((await json(await posts.request(`/api/posts/${post.id}`))).content).toBe('draft 28')
  })
})

describe('reading one post', () => {
  it('answers 404 for an unknown id and for a malformed one', async () => {
    for (const id of [uuidv7(), 'not-a-uuid', '1']) {
      const res = await posts.request(`/api/posts/${id}`)
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }
  })

  it('still answers health on its own path', async () => {
    const res = await posts.request('/api/posts/health')
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ service: 'posts' })
  })

  it('describes the routes in the OpenAPI document', async () => {
    const doc = await json(await posts.request('/api/posts/openapi.json'))
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/posts', '/api/posts/{id}']),
    )
    expect(doc.components.schemas.Post).toBeDefined()
  })
})

describe('deleting', () => {
  it('lets the author delete: 204, then 404 on reads and on a second delete, and PostDeleted', async () => {
    const author = await posts.user({ label: 'del' })
    const stranger = await posts.user()
    const post = await publishPost(author, { content: 'short-lived' })

    const refused = await posts.request(`/api/posts/${post.id}`, {
      method: 'DELETE',
      token: stranger.token,
    })
    expect(refused.status).toBe(403)
    expect((await json(refused)).code).toBe('not-owner')
    expect(await status(`/api/posts/${post.id}`)).toBe(200)

    const deleted = await posts.request(`/api/posts/${post.id}`, {
      method: 'DELETE',
      token: author.token,
    })
    expect(deleted.status).toBe(204)
    expect(await status(`/api/posts/${post.id}`)).toBe(404)
    expect(await status(`/api/posts/${post.id}`, author.token)).toBe(404)
    const again = await posts.request(`/api/posts/${post.id}`, {
      method: 'DELETE',
      token: author.token,
    })
    expect(again.status).toBe(404)

    const event = await posts.events.next(
      (m) => m.body.type === 'PostDeleted' && m.body.data.postId === post.id,
    )
    expect(event.routingKey).toBe('post.deleted')
    expect(event.body.data).toMatchObject({ authorId: author.id, deletedBy: author.id })
    const list = await json(await posts.request(`/api/posts?author=${author.username}`))
    expect(list.items).toEqual([])
  })

  it('lets a moderator and an admin delete anyone’s post', async () => {
    const author = await posts.user()
    for (const role of ['moderator', 'admin'] as const) {
      const staff = await posts.user({ role })
      const post = await publishPost(author, { content: `removed by ${role}` })
      const res = await posts.request(`/api/posts/${post.id}`, {
        method: 'DELETE',
        token: staff.token,
      })
      expect(res.status).toBe(204)
      expect(await status(`/api/posts/${post.id}`)).toBe(404)
      const event = await posts.events.next(
        (m) => m.body.type === 'PostDeleted' && m.body.data.postId === post.id,
      )
      expect(event.body.data.deletedBy).toBe(staff.id)
    }
  })

  it('answers 404, not 403, for a post the caller cannot see, and 401 without a token', async () => {
    const author = await posts.user()
    const stranger = await posts.user()
    const hidden = await publishPost(author, { content: 'mine only', visibility: 'private' })
    const res = await posts.request(`/api/posts/${hidden.id}`, {
      method: 'DELETE',
      token: stranger.token,
    })
    expect(res.status).toBe(404)
    expect(await status(`/api/posts/${uuidv7()}`, stranger.token)).toBe(404)
    const anonymous = await posts.request(`/api/posts/${hidden.id}`, { method: 'DELETE' })
    expect(anonymous.status).toBe(401)
  })
})

describe('listing', () => {
  it('pages an author’s timeline newest first, stable while new posts arrive', async () => {
    const author = await posts.user({ label: 'tl' })
    await registered(author)
    const created: string[] = []
    for (let index = 0; index < 5; index++) {
      created.push((await publishPost(author, { content: `timeline ${index}` })).id)
    }
    const newestFirst = [...created].reverse()

    const first = await json(await posts.request(`/api/posts?author=${author.username}&limit=2`))
    expect(first.items.map((p: { id: string }) => p.id)).toEqual(newestFirst.slice(0, 2))
    expect(first.nextCursor).toEqual(expect.any(String))

    const interloper = await publishPost(author, { content: 'arrived between pages' })

    const second = await json(
      await posts.request(
        `/api/posts?author=${author.username}&limit=2&cursor=${first.nextCursor}`,
      ),
    )
    expect(second.items.map((p: { id: string }) => p.id)).toEqual(newestFirst.slice(2, 4))
    const third = await json(
      await posts.request(
        `/api/posts?author=${author.username}&limit=2&cursor=${second.nextCursor}`,
      ),
    )
    expect(third.items.map((p: { id: string }) => p.id)).toEqual(newestFirst.slice(4))
    expect(third.nextCursor).toBeNull()

    const seen = [...first.items, ...second.items, ...third.items].map((p) => p.id)
    expect(new Set(seen).size).toBe(created.length)
    expect(seen).not.toContain(interloper.id)

    const fresh = await json(await posts.request(`/api/posts?author=${author.username}&limit=1`))
    expect(fresh.items[0].id).toBe(interloper.id)
  })

  it('finds an author by username in any case, and answers 404 for an unknown one', async () => {
    const author = await posts.user({ label: 'Case' })
    await registered(author)
    await publishPost(author, { content: 'case' })
    const list = await json(
      await posts.request(`/api/posts?author=${author.username.toUpperCase()}`),
    )
    expect(list.items).toHaveLength(1)
    const res = await posts.request('/api/posts?author=nobody_by_that_name')
    expect(res.status).toBe(404)
    expect((await json(res)).code).toBe('not-found')
  })

  it('filters by tag, with or without the #', async () => {
    const author = await posts.user()
    const tag = `t${uuidv7().slice(-8)}`
    const tagged = await publishPost(author, { content: `about #${tag.toUpperCase()}` })
    await publishPost(author, { content: 'about nothing' })
    for (const query of [tag, `%23${tag}`]) {
      const list = await json(await posts.request(`/api/posts?tag=${query}`))
      expect(list.items.map((p: { id: string }) => p.id)).toEqual([tagged.id])
    }
  })

  it.each([
    ['q', `q=${'a'.repeat(201)}`],
    ['sort', 'sort=oldest'],
    ['limit', 'limit=101'],
  ])('answers 422 naming %s for a query it does not serve', async (field, query) => {
    const res = await posts.request(`/api/posts?${query}`)
    expect(res.status).toBe(422)
    expect((await json(res)).errors.map((e: { path: string }) => e.path)).toContain(field)
  })

  it('answers 400 invalid-cursor for a cursor it did not make', async () => {
    const res = await posts.request('/api/posts?cursor=bm9wZQ')
    expect(res.status).toBe(400)
    expect((await json(res)).code).toBe('invalid-cursor')
  })
})

describe('visibility', () => {
  it('shows private posts to their author alone and followers-only posts to followers', async () => {
    const author = await posts.user({ label: 'vis' })
    const fan = await posts.user({ label: 'fan' })
    const stranger = await posts.user()
    await registered(author)
    const open = await publishPost(author, { content: 'for everyone' })
    const followersOnly = await publishPost(author, {
      content: 'for fans',
      visibility: 'followers',
    })
    const secret = await publishPost(author, { content: 'for me', visibility: 'private' })

    const timeline = (token?: string) =>
      posts
        .request(`/api/posts?author=${author.username}`, { token })
        .then(json)
        .then((page) => page.items.map((p: { id: string }) => p.id))

    for (const token of [undefined, stranger.token, fan.token]) {
      expect(await status(`/api/posts/${followersOnly.id}`, token)).toBe(404)
      expect(await status(`/api/posts/${secret.id}`, token)).toBe(404)
      expect(await timeline(token)).toEqual([open.id])
    }
    expect(await status(`/api/posts/${secret.id}`, author.token)).toBe(200)
    expect(await timeline(author.token)).toEqual([secret.id, followersOnly.id, open.id])

    const followedAt = new Date()
    await posts.deliver(Followed, {
      followerId: fan.id,
      followeeId: author.id,
      at: followedAt.toISOString(),
    })
    expect(await status(`/api/posts/${followersOnly.id}`, fan.token)).toBe(200)
    expect(await status(`/api/posts/${secret.id}`, fan.token)).toBe(404)
    expect(await timeline(fan.token)).toEqual([followersOnly.id, open.id])
    expect(await status(`/api/posts/${followersOnly.id}`, stranger.token)).toBe(404)

    // A Followed older than the unfollow that overtook it must not bring access back.
    await posts.deliver(Unfollowed, {
      followerId: fan.id,
      followeeId: author.id,
      at: new Date(followedAt.getTime() + 2_000).toISOString(),
    })
    await posts.deliver(Followed, {
      followerId: fan.id,
      followeeId: author.id,
      at: new Date(followedAt.getTime() + 1_000).toISOString(),
    })
    expect(await status(`/api/posts/${followersOnly.id}`, fan.token)).toBe(404)
  })
})

describe('moderation events', () => {
  it('hides a banned author’s posts until the unban, and refuses their new posts', async () => {
    const author = await posts.user({ label: 'ban' })
    const reader = await posts.user()
    await registered(author)
    const post = await publishPost(author, { content: 'before the ban' })
    const everyone = async () =>
      (await json(await posts.request('/api/posts?limit=100'))).items.map(
        (p: { id: string }) => p.id,
      )
    expect(await everyone()).toContain(post.id)

    await posts.deliver(UserBanned, {
      userId: author.id,
      reason: 'spam',
      bannedBy: reader.id,
      bannedAt: new Date().toISOString(),
    })
    expect(await status(`/api/posts/${post.id}`)).toBe(404)
    expect(await status(`/api/posts/${post.id}`, reader.token)).toBe(404)
    expect(await status(`/api/posts?author=${author.username}`)).toBe(404)
    expect(await everyone()).not.toContain(post.id)
    const refused = await posts.request('/api/posts', {
      body: { content: 'still here' },
      token: author.token,
    })
    expect(refused.status).toBe(403)
    expect((await json(refused)).code).toBe('account-banned')

    await posts.deliver(UserUnbanned, {
      userId: author.id,
      unbannedBy: reader.id,
      unbannedAt: new Date().toISOString(),
    })
    expect(await status(`/api/posts/${post.id}`)).toBe(200)
    expect(await everyone()).toContain(post.id)
    const list = await json(await posts.request(`/api/posts?author=${author.username}`))
    expect(list.items.map((p: { id: string }) => p.id)).toEqual([post.id])
  })

  it('shows the posts again once a temporary ban has run out', async () => {
    const author = await posts.user()
    const post = await publishPost(author, { content: 'brief ban' })
    await posts.deliver(UserBanned, {
      userId: author.id,
      reason: 'cool down',
      bannedBy: uuidv7(),
      bannedAt: new Date(Date.now() - 60_000).toISOString(),
      until: new Date(Date.now() - 1_000).toISOString(),
    })
    expect(await status(`/api/posts/${post.id}`)).toBe(200)
  })

  it('hides a deleted user’s posts for good', async () => {
    const author = await posts.user()
    const post = await publishPost(author, { content: 'gone with the account' })
    await posts.deliver(UserDeleted, { userId: author.id })
    expect(await status(`/api/posts/${post.id}`)).toBe(404)
    await posts.deliver(UserUnbanned, {
      userId: author.id,
      unbannedBy: uuidv7(),
      unbannedAt: new Date().toISOString(),
    })
    expect(await status(`/api/posts/${post.id}`)).toBe(404)
  })

  it('takes a post down on PostTakedownRequested, once, and announces PostDeleted', async () => {
    const author = await posts.user()
    const moderator = uuidv7()
    const post = await publishPost(author, { content: 'against the rules' })
    const takedown = await posts.deliver(
      PostTakedownRequested,
      { postId: post.id, reason: 'hate speech', requestedBy: moderator },
      { correlationId: 'takedown-1' },
    )
    expect(await status(`/api/posts/${post.id}`)).toBe(404)
    const event = await posts.events.next(
      (m) => m.body.type === 'PostDeleted' && m.body.data.postId === post.id,
    )
    expect(event.body.data).toMatchObject({ authorId: author.id, deletedBy: moderator })
    expect(event.body.correlationId).toBe(takedown.correlationId)

    await posts.deliver(PostTakedownRequested, {
      postId: post.id,
      reason: 'reported twice',
      requestedBy: uuidv7(),
    })
    const owner = await posts.request(`/api/posts/${post.id}`, {
      method: 'DELETE',
      token: author.token,
    })
    expect(owner.status).toBe(404)
    await posts.ctx.messaging.relay.flush()
    const deletions = posts.events
      .messages()
      .filter((m) => m.body.type === 'PostDeleted' && m.body.data.postId === post.id)
    expect(deletions).toHaveLength(1)
  })

  it('acknowledges a takedown of an unknown post without dead-lettering it', async () => {
    await posts.deliver(PostTakedownRequested, {
      postId: uuidv7(),
      reason: 'already gone',
      requestedBy: uuidv7(),
    })
    expect(await posts.deadLetterCount()).toBe(0)
  })
})

describe('duplicates', () => {
  it('applies a UserRegistered delivered twice only once', async () => {
    const author = await posts.user({ label: 'dup' })
    const first = await registered(author, 'Original Name')
    const post = await publishPost(author, { content: 'dup' })

    // The same message again (same id), even with different contents, has no second effect.
    await posts.publish(
      UserRegistered,
      { ...first.data, displayName: 'Replayed', registeredAt: new Date().toISOString() },
      { id: first.id },
    )
    // Messages are handled one at a time in order, so once this one is in, the replay was handled.
    await posts.deliver(UserProfileUpdated, {
      userId: uuidv7(),
      displayName: 'someone else',
      bio: '',
      avatarUrl: null,
    })

    const read = await json(await posts.request(`/api/posts/${post.id}`))
    expect(read.author.displayName).toBe('Original Name')
    expect(await posts.deadLetterCount()).toBe(0)
  })
})
