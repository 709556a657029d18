import { randomUUID } from 'node:crypto'

import { eventually } from '@chatty/testing'
import { beforeAll, describe, expect, it } from 'vitest'

import { findAdminUser, loginAdmin } from './support/admin.js'
import {
  type AdminUser,
  type ApiResponse,
  del,
  expectFieldError,
  expectJson,
  expectProblem,
  expectStatus,
  type Me,
  type Page,
  patch,
  type Post,
  post,
  type PublicUser,
  request,
  type Tokens,
  withQuery,
} from './support/api.js'
import { listEmails, readResetToken, waitForEmailAbout } from './support/mailbox.js'
import {
  eventTimeoutMs,
  type Member,
  publish,
  readFeed,
  readPost,
  registerMember,
  startFollowing,
  waitForFeedToContain,
  waitForFeedToLack,
} from './support/social.js'
import { login, newUser, uniqueSuffix } from './support/users.js'

/** API.md: a revoked session or blocked user is refused on the next request in every service. */
const revocationWindowMs = 1_500

interface Session {
  id: string
  createdAt: string
  lastUsedAt: string
  ip: string | null
  userAgent: string | null
  current: boolean
}

type Profile = PublicUser & { following?: boolean; followedBy?: boolean }

interface AdminUserDetail extends AdminUser {
  emails: { template: string; status: string; at: string; error: string | null }[]
}

function listSessions(token: string): Promise<Session[]> {
  return request('/api/auth/sessions', { token }).then(
    (response) => expectJson<{ items: Session[] }>(response, 200).items,
  )
}

function refresh(refreshToken: string): Promise<ApiResponse> {
  return post('/api/auth/refresh', { refreshToken })
}

/** Every service a member's access token is used in, so a revocation is checked in each. */
function tokenUses(token: string): (() => Promise<ApiResponse>)[] {
  return [
    () => request('/api/auth/me', { token }),
    () => post('/api/posts', { content: 'still here?' }, { token }),
    () => request('/api/feed', { token }),
  ]
}

async function expectTokenRefusedEverywhere(token: string): Promise<void> {
  await eventually(async () => {
    for (const use of tokenUses(token)) expectProblem(await use(), 401, 'unauthorized')
  }, revocationWindowMs)
}

async function expectTokenAccepted(token: string): Promise<void> {
  expectJson<Me>(await request('/api/auth/me', { token }), 200)
  expectJson(await request('/api/feed', { token }), 200)
}

function forgot(email: string): Promise<ApiResponse> {
  return post('/api/auth/password/forgot', { email })
}

/** Asks for a reset link and reads its token out of the email that arrives. */
async function requestResetToken(member: Member): Promise<string> {
  const seen = (await listEmails(member.email)).map((message) => message.ID)
  expectStatus(await forgot(member.email), 202)
  return readResetToken(await waitForEmailAbout(member.email, /reset/i, seen))
}

function profile(username: string, token?: string): Promise<ApiResponse> {
  return request(`/api/users/${username}`, { token })
}

function searchUsers(
  query: Record<string, string | number | undefined>,
): Promise<Page<PublicUser>> {
  return request(withQuery('/api/users', query)).then((response) =>
    expectJson<Page<PublicUser>>(response, 200),
  )
}

let adminToken: string
let adminId: string

beforeAll(async () => {
  adminToken = await loginAdmin()
  adminId = expectJson<Me>(await request('/api/auth/me', { token: adminToken }), 200).id
})

describe('sessions', () => {
  it('lists the live sessions and marks the one the token belongs to', async () => {
    const member = await registerMember()
    const laptop = await login(member, member.email)

    const sessions = await listSessions(laptop.accessToken)

    expect(sessions).toHaveLength(2)
    expect(sessions.filter((session) => session.current)).toHaveLength(1)
    for (const session of sessions) {
      expect(session).toMatchObject({
        id: expect.any(String),
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
      })
    }
  })

  it('revokes another session: its access token is refused at once in every service', async () => {
    const member = await registerMember()
    const laptop = await login(member)
    const phoneSession = (await listSessions(member.token)).find((session) => session.current)
    expect(phoneSession).toBeDefined()

    expectStatus(
      await del(`/api/auth/sessions/${phoneSession?.id}`, { token: laptop.accessToken }),
      204,
    )

    await expectTokenRefusedEverywhere(member.token)
    await expectTokenAccepted(laptop.accessToken)
    expect((await listSessions(laptop.accessToken)).map((session) => session.id)).not.toContain(
      phoneSession?.id,
    )
  })

  it("answers 404 for another user's session and for an unknown id", async () => {
    const owner = await registerMember()
    const stranger = await registerMember()
    const [ownersSession] = await listSessions(owner.token)

    expectProblem(
      await del(`/api/auth/sessions/${ownersSession?.id}`, { token: stranger.token }),
      404,
      'not-found',
    )
    expectProblem(
      await del(`/api/auth/sessions/${randomUUID()}`, { token: stranger.token }),
      404,
      'not-found',
    )
    await expectTokenAccepted(owner.token)
  })

  it('moves lastUsedAt when the session is refreshed', async () => {
    const member = await registerMember()
    const tokens = await login(member)
    const before = (await listSessions(tokens.accessToken)).find((session) => session.current)

    await new Promise((resolve) => setTimeout(resolve, 20))
    const renewed = expectJson<Tokens>(await refresh(tokens.refreshToken), 200)

    const after = (await listSessions(renewed.accessToken)).find((session) => session.current)
    expect(after?.id).toBe(before?.id)
    expect(Date.parse(after?.lastUsedAt ?? '')).toBeGreaterThan(
      Date.parse(before?.lastUsedAt ?? ''),
    )
  })
})

describe('forgotten passwords', () => {
  it('answers an unknown address exactly like a known one and mails only the known one', async () => {
    const member = await registerMember()
    const nobody = `nobody-${uniqueSuffix()}@example.com`

    const unknown = await forgot(nobody)
    const known = await forgot(member.email)

    expect(unknown.status).toBe(202)
    expect({
      status: unknown.status,
      body: unknown.text,
      type: unknown.headers.get('content-type'),
    }).toEqual({ status: known.status, body: known.text, type: known.headers.get('content-type') })
    // Both requests travel the same queue; once the known one's mail is here, the other would be too.
    await waitForEmailAbout(member.email, /reset/i)
    expect(await listEmails(nobody)).toEqual([])
  })

  it('resets the password with the emailed link once, and every old token dies', async () => {
    const member = await registerMember()
    const other = await login(member)
    const token = await requestResetToken(member)
    const newPassword = `reset-${uniqueSuffix()}-Secret!`

    expectStatus(await post('/api/auth/password/reset', { token, password: newPassword }), 204)

    await expectTokenRefusedEverywhere(member.token)
    await expectTokenRefusedEverywhere(other.accessToken)
    expectProblem(await refresh(other.refreshToken), 401, 'invalid-refresh-token')
    expectProblem(
      await post('/api/auth/login', { login: member.username, password: member.password }),
      401,
      'invalid-credentials',
    )
    expect((await login({ ...member, password: newPassword })).user.id).toBe(member.id)
    const again = await post('/api/auth/password/reset', { token, password: `x-${newPassword}` })
    expectProblem(again, 422, 'invalid-token')
    await waitForEmailAbout(member.email, /password was changed/i)
  })

  it('refuses a token that was never issued', async () => {
    const response = await post('/api/auth/password/reset', {
      token: 'not-a-real-reset-token',
      password: 'a-long-enough-password',
    })
    expectProblem(response, 422, 'invalid-token')
  })

  it('limits requests for one address with 429 and Retry-After', async () => {
    const member = await registerMember()
    let limited: ApiResponse | undefined
    for (let attempt = 0; attempt < 30 && !limited; attempt++) {
      const response = await forgot(member.email)
      if (response.status === 429) limited = response
      else expect(response.status).toBe(202)
    }
    expect(limited).toBeDefined()
    if (!limited) return
    expectProblem(limited, 429, 'rate-limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})

describe('changing the password', () => {
  it('names currentPassword when it is wrong and changes nothing', async () => {
    const member = await registerMember()

    const response = await post(
      '/api/auth/password/change',
      { currentPassword: 'not-my-password', newPassword: 'a-brand-new-password' },
      { token: member.token },
    )

    expectFieldError(response, 'currentPassword')
    expect((await login(member)).user.id).toBe(member.id)
  })

  it('keeps the current session, ends the others and emails a notice', async () => {
    const member = await registerMember()
    const elsewhere = await login(member)
    const newPassword = `changed-${uniqueSuffix()}-Secret!`

    const response = await post(
      '/api/auth/password/change',
      { currentPassword: member.password, newPassword },
      { token: member.token },
    )

    expectStatus(response, 204)
    await expectTokenRefusedEverywhere(elsewhere.accessToken)
    expectProblem(await refresh(elsewhere.refreshToken), 401, 'invalid-refresh-token')
    await expectTokenAccepted(member.token)
    expect((await login({ ...member, password: newPassword })).user.id).toBe(member.id)
    await waitForEmailAbout(member.email, /password was changed/i)
  })
})

describe('profiles', () => {
  it('shows a public profile, with the relation when a token is sent', async () => {
    const author = await registerMember()
    const reader = await registerMember()
    await startFollowing(reader, author.username)
    await publish(author)

    const seen = await eventually(async () => {
      const found = expectJson<Profile>(await profile(author.username, reader.token), 200)
      expect(found).toMatchObject({ followersCount: 1, postsCount: 1 })
      return found
    }, eventTimeoutMs)

    expect(seen).toMatchObject({
      id: author.id,
      username: author.username,
      displayName: author.displayName,
      following: true,
      followedBy: false,
    })
    expect(seen).not.toHaveProperty('email')
    const anonymous = expectJson<Profile>(await profile(author.username), 200)
    expect(anonymous).not.toHaveProperty('following')
  })

  it('answers 404 for an unknown username', async () => {
    expectProblem(await profile(`nobody_${uniqueSuffix()}`), 404, 'not-found')
  })

  it('finds people by a prefix of their username or display name, page by page', async () => {
    const prefix = `srch${uniqueSuffix()}`
    const members = await Promise.all(
      [0, 1, 2].map(async (index) => {
        const user = newUser()
        const response = await post('/api/auth/register', {
          ...user,
          username: `${prefix}_${index}`,
        })
        return expectJson<Me>(response, 201)
      }),
    )

    const first = await searchUsers({ q: prefix.toUpperCase(), limit: 2 })
    expect(first.items).toHaveLength(2)
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await searchUsers({ q: prefix, limit: 2, cursor: first.nextCursor ?? '' })
    const found = [...first.items, ...second.items].map((user) => user.id)
    expect(found.sort()).toEqual(members.map((member) => member.id).sort())
    expect(second.nextCursor).toBeNull()

    const byName = await registerMember()
    const displayName = `Zed ${uniqueSuffix()}`
    expectJson<Me>(await patch('/api/users/me', { displayName }, { token: byName.token }), 200)
    const named = await searchUsers({ q: displayName.toLowerCase() })
    expect(named.items.map((user) => user.id)).toEqual([byName.id])
  })

  it('updates the own profile and refuses unsafe or unknown fields', async () => {
    const member = await registerMember()

    const updated = expectJson<Me>(
      await patch(
        '/api/users/me',
        { displayName: 'New Name', bio: 'Hello there', avatarUrl: 'https://example.com/a.png' },
        { token: member.token },
      ),
      200,
    )
    expect(updated).toMatchObject({
      displayName: 'New Name',
      bio: 'Hello there',
      avatarUrl: 'https://example.com/a.png',
      email: member.email,
    })

    for (const avatarUrl of ['javascript:alert(1)', 'data:image/png;base64,AAAA']) {
      expectFieldError(
        await patch('/api/users/me', { avatarUrl }, { token: member.token }),
        'avatarUrl',
      )
    }
    expectFieldError(
      await patch('/api/users/me', { bio: 'x'.repeat(301) }, { token: member.token }),
      'bio',
    )
    expectProblem(
      await patch('/api/users/me', { role: 'admin' }, { token: member.token }),
      422,
      'validation-failed',
    )
    expectProblem(
      await patch('/api/users/me', { bio: 'no token' }, { token: '' }),
      401,
      'unauthorized',
    )
  })

  it("shows a new display name in a follower's feed item and in the post's author", async () => {
    const author = await registerMember()
    const follower = await registerMember()
    await startFollowing(follower, author.username)
    const published = await publish(author)
    await waitForFeedToContain(follower, published.id)
    const displayName = `Renamed ${uniqueSuffix()}`

    expectJson<Me>(await patch('/api/users/me', { displayName }, { token: author.token }), 200)

    await eventually(async () => {
      const shown = expectJson<Post>(await readPost(published.id), 200)
      expect(shown.author.displayName).toBe(displayName)
      const feed = await readFeed(follower)
      const item = feed.items.find((entry) => entry.post.id === published.id)
      expect(item?.post.author.displayName).toBe(displayName)
      const followers = expectJson<Page<PublicUser>>(
        await request(`/api/subscriptions/${follower.username}/following`),
        200,
      )
      expect(followers.items.find((user) => user.id === author.id)?.displayName).toBe(displayName)
    }, revocationWindowMs)
  })
})

describe('account deletion', () => {
  it('names the password when it is wrong and deletes nothing', async () => {
    const member = await registerMember()

    expectFieldError(
      await del('/api/users/me', { json: { password: 'not-my-password' }, token: member.token }),
      'password',
    )
    await expectTokenAccepted(member.token)
  })

  it('ends every session and removes the account, its posts and its follows everywhere', async () => {
    const leaver = await registerMember()
    const follower = await registerMember()
    const followee = await registerMember()
    await startFollowing(follower, leaver.username)
    await startFollowing(leaver, followee.username)
    const published = await publish(leaver)
    await waitForFeedToContain(follower, published.id)

    expectStatus(
      await del('/api/users/me', { json: { password: leaver.password }, token: leaver.token }),
      204,
    )

    await expectTokenRefusedEverywhere(leaver.token)
    expectProblem(await profile(leaver.username), 404, 'not-found')
    expectProblem(
      await post('/api/auth/login', { login: leaver.username, password: leaver.password }),
      401,
      'invalid-credentials',
    )
    await waitForFeedToLack(follower, published.id)
    expectProblem(await readPost(published.id), 404, 'not-found')
    await eventually(async () => {
      const following = expectJson<Page<PublicUser>>(
        await request(`/api/subscriptions/${follower.username}/following`),
        200,
      )
      expect(following.items.map((user) => user.id)).not.toContain(leaver.id)
      const followers = expectJson<Page<PublicUser>>(
        await request(`/api/subscriptions/${followee.username}/followers`),
        200,
      )
      expect(followers.items.map((user) => user.id)).not.toContain(leaver.id)
      expect(expectJson<Profile>(await profile(followee.username), 200).followersCount).toBe(0)
      expect(expectJson<Profile>(await profile(follower.username), 200).followingCount).toBe(0)
    }, eventTimeoutMs)
    const kept = await eventually(async () => {
      const user = await findAdminUser(adminToken, leaver.username)
      expect(user.status).toBe('deleted')
      return user
    }, eventTimeoutMs)
    expect(kept.id).toBe(leaver.id)
  })

  it('keeps the username taken and frees the email address', async () => {
    const leaver = await registerMember()
    expectStatus(
      await del('/api/users/me', { json: { password: leaver.password }, token: leaver.token }),
      204,
    )

    const sameName = await post('/api/auth/register', { ...newUser(), username: leaver.username })
    expectProblem(sameName, 409, 'username-taken')
    const sameEmail = await post('/api/auth/register', { ...newUser(), email: leaver.email })
    expect(expectJson<Me>(sameEmail, 201).email).toBe(leaver.email)
  })
})

describe('roles and statuses', () => {
  it('refuses PATCH /api/admin/users/{id} to a user and to a moderator with 403', async () => {
    const member = await registerMember()
    const target = await registerMember()

    expectProblem(
      await patch(`/api/admin/users/${target.id}`, { role: 'moderator' }, { token: member.token }),
      403,
      'forbidden',
    )
    const moderator = await promoteToModerator(member)
    expectProblem(
      await patch(
        `/api/admin/users/${target.id}`,
        { role: 'moderator' },
        { token: moderator.accessToken },
      ),
      403,
      'forbidden',
    )
  })

  it('makes a promoted moderator one after a refresh, and a demotion refuses the live token', async () => {
    const member = await registerMember()

    const moderator = await promoteToModerator(member)
    expectJson(await request('/api/admin/users', { token: moderator.accessToken }), 200)

    const demoted = expectJson<AdminUser>(
      await patch(`/api/admin/users/${member.id}`, { role: 'user' }, { token: adminToken }),
      200,
    )
    expect(demoted.role).toBe('user')
    await eventually(async () => {
      expectProblem(
        await request('/api/admin/users', { token: moderator.accessToken }),
        401,
        'unauthorized',
      )
    }, revocationWindowMs)
    const audit = expectJson<Page<{ action: string; targetId: string }>>(
      await request('/api/admin/audit-log', { token: adminToken }),
      200,
    )
    expect(audit.items.filter((entry) => entry.targetId === member.id).length).toBeGreaterThan(0)
  })

  it('refuses to demote or delete the last admin', async () => {
    expectProblem(
      await patch(`/api/admin/users/${adminId}`, { role: 'user' }, { token: adminToken }),
      422,
      'last-admin',
    )
    expectProblem(
      await patch(`/api/admin/users/${adminId}`, { status: 'deleted' }, { token: adminToken }),
      422,
      'last-admin',
    )
    expectJson<Me>(await request('/api/auth/me', { token: adminToken }), 200)
  })

  it('deletes an account by status, for good', async () => {
    const member = await registerMember()

    const deleted = expectJson<AdminUser>(
      await patch(`/api/admin/users/${member.id}`, { status: 'deleted' }, { token: adminToken }),
      200,
    )

    expect(deleted.status).toBe('deleted')
    await expectTokenRefusedEverywhere(member.token)
    await eventually(async () => {
      expectProblem(await profile(member.username), 404, 'not-found')
    }, eventTimeoutMs)
    expectProblem(
      await patch(`/api/admin/users/${member.id}`, { status: 'active' }, { token: adminToken }),
      422,
      'user-deleted',
    )
    expectProblem(
      await patch(`/api/admin/users/${randomUUID()}`, { role: 'user' }, { token: adminToken }),
      404,
      'not-found',
    )
  })

  it('lists the account emails in the admin user view', async () => {
    const member = await registerMember()
    await requestResetToken(member)

    await eventually(async () => {
      const detail = expectJson<AdminUserDetail>(
        await request(`/api/admin/users/${member.id}`, { token: adminToken }),
        200,
      )
      expect(detail.emails.map((email) => email.template)).toEqual(
        expect.arrayContaining(['verify-email', 'welcome', 'password-reset']),
      )
    }, eventTimeoutMs)
  })
})

/** Makes the member a moderator and refreshes until auth issues a token with the new role. */
async function promoteToModerator(member: Member): Promise<Tokens> {
  await findAdminUser(adminToken, member.username)
  const promoted = expectJson<AdminUser>(
    await patch(`/api/admin/users/${member.id}`, { role: 'moderator' }, { token: adminToken }),
    200,
  )
  expect(promoted.role).toBe('moderator')
  let tokens = await login(member)
  return eventually(async () => {
    tokens = expectJson<Tokens>(await refresh(tokens.refreshToken), 200)
    expect(tokens.user.role).toBe('moderator')
    return tokens
  }, eventTimeoutMs)
}
