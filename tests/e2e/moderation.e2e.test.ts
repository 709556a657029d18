import { randomUUID } from 'node:crypto'

import { eventually } from '@chatty/testing'
import { beforeAll, describe, expect, it } from 'vitest'

import { findAdminUser, loginAdmin } from './support/admin.js'
import {
  type AdminUser,
  del,
  expectFieldError,
  expectJson,
  expectProblem,
  expectStatus,
  type Me,
  type Post,
  post,
  request,
  type Tokens,
} from './support/api.js'
import {
  eventTimeoutMs,
  type Member,
  publish,
  readPost,
  registerMember,
  startFollowing,
  waitForFeedToContain,
  waitForFeedToLack,
} from './support/social.js'

/** API.md promises a ban takes effect everywhere within 1 s; the rest covers the polling itself. */
const banWindowMs = 1_500

function ban(adminToken: string, userId: string, reason = 'e2e: spam') {
  return post(`/api/admin/users/${userId}/ban`, { reason }, { token: adminToken })
}

function unban(adminToken: string, userId: string) {
  return post(`/api/admin/users/${userId}/unban`, undefined, { token: adminToken })
}

function loginAttempt(member: Member) {
  return post('/api/auth/login', { login: member.username, password: member.password })
}

/** Every way a member's access token is used across the services this issue covers. */
function tokenUses(token: string) {
  return [
    () => post('/api/posts', { content: 'still here?' }, { token }),
    () => request('/api/feed', { token }),
    () => request('/api/auth/me', { token }),
  ]
}

/** A member with a post that a follower already sees in their feed. */
async function memberWithFollowedPost(): Promise<{
  author: Member
  follower: Member
  published: Post
}> {
  const author = await registerMember()
  const follower = await registerMember()
  await startFollowing(follower, author.username)
  const published = await publish(author)
  await waitForFeedToContain(follower, published.id)
  return { author, follower, published }
}

let adminToken: string

beforeAll(async () => {
  adminToken = await loginAdmin()
})

describe('admin routes', () => {
  it('answer 401 without a token', async () => {
    expectProblem(await request('/api/admin/users'), 401, 'unauthorized')
    expectProblem(
      await post(`/api/admin/users/${randomUUID()}/ban`, { reason: 'no token' }),
      401,
      'unauthorized',
    )
  })

  it('answer 403 to a plain user', async () => {
    const member = await registerMember()
    const target = await registerMember()

    expectProblem(await request('/api/admin/users', { token: member.token }), 403, 'forbidden')
    expectProblem(
      await post(
        `/api/admin/users/${target.id}/ban`,
        { reason: 'not my call' },
        { token: member.token },
      ),
      403,
      'forbidden',
    )
    expectProblem(
      await del(`/api/admin/posts/${randomUUID()}`, { token: member.token }),
      403,
      'forbidden',
    )
    expectJson<Me>(await request('/api/auth/me', { token: target.token }), 200)
  })

  it('let an admin find a user by username', async () => {
    const member = await registerMember()

    const found = await findAdminUser(adminToken, member.username)

    expect(found).toMatchObject({
      id: member.id,
      username: member.username,
      email: member.email,
      displayName: member.displayName,
      role: 'user',
      status: 'active',
      emailVerified: expect.any(Boolean),
      createdAt: expect.any(String),
      bannedAt: null,
      banReason: null,
    })
  })
})

describe('banning', () => {
  it('within a second refuses login, rejects live tokens everywhere and hides the posts', async () => {
    const { author, follower, published } = await memberWithFollowedPost()
    await findAdminUser(adminToken, author.username)

    const banned = expectJson<AdminUser>(await ban(adminToken, author.id, 'e2e: spam'), 200)
    expect(banned).toMatchObject({
      id: author.id,
      status: 'banned',
      banReason: 'e2e: spam',
      bannedAt: expect.any(String),
    })

    await Promise.all([
      eventually(
        async () => expectProblem(await loginAttempt(author), 403, 'account-banned'),
        banWindowMs,
      ),
      ...tokenUses(author.token).map((use) =>
        eventually(async () => expectProblem(await use(), 401, 'unauthorized'), banWindowMs),
      ),
      eventually(
        async () => expectProblem(await readPost(published.id, follower), 404, 'not-found'),
        banWindowMs,
      ),
      waitForFeedToLack(follower, published.id, banWindowMs),
    ])
  })

  it('is lifted by unban: login works again, tokens from before the ban stay dead, posts return', async () => {
    const { author, follower, published } = await memberWithFollowedPost()
    await findAdminUser(adminToken, author.username)
    expectJson<AdminUser>(await ban(adminToken, author.id), 200)
    await eventually(
      async () => expectProblem(await loginAttempt(author), 403, 'account-banned'),
      banWindowMs,
    )

    const unbanned = expectJson<AdminUser>(await unban(adminToken, author.id), 200)
    expect(unbanned).toMatchObject({ id: author.id, status: 'active' })

    const tokens = await eventually(
      async () => expectJson<Tokens>(await loginAttempt(author), 200),
      eventTimeoutMs,
    )
    expectJson<Me>(await request('/api/auth/me', { token: tokens.accessToken }), 200)
    for (const use of tokenUses(author.token)) {
      expectProblem(await use(), 401, 'unauthorized')
    }
    await eventually(
      async () => expectJson<Post>(await readPost(published.id, follower), 200),
      eventTimeoutMs,
    )
    await waitForFeedToContain(follower, published.id)
  })

  it('answers 404 for an account that does not exist', async () => {
    expectProblem(await ban(adminToken, randomUUID()), 404, 'not-found')
  })

  it('needs a reason', async () => {
    const member = await registerMember()
    await findAdminUser(adminToken, member.username)

    const response = await post(`/api/admin/users/${member.id}/ban`, {}, { token: adminToken })

    expectFieldError(response, 'reason')
    expectJson<Me>(await request('/api/auth/me', { token: member.token }), 200)
  })
})

describe('post takedown', () => {
  it('answers 202, then the post is gone from reads and feeds', async () => {
    const { author, follower, published } = await memberWithFollowedPost()

    // The admin service learns of posts through PostCreated and answers 404 until it has.
    await eventually(async () => {
      expectStatus(
        await del(`/api/admin/posts/${published.id}`, {
          token: adminToken,
          json: { reason: 'e2e: takedown' },
        }),
        202,
      )
    }, eventTimeoutMs)

    await eventually(
      async () => expectProblem(await readPost(published.id), 404, 'not-found'),
      eventTimeoutMs,
    )
    await waitForFeedToLack(follower, published.id)
    await waitForFeedToLack(author, published.id)
  })

  it('answers 404 for a post that does not exist', async () => {
    expectProblem(
      await del(`/api/admin/posts/${randomUUID()}`, { token: adminToken }),
      404,
      'not-found',
    )
  })
})
