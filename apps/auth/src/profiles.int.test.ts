import { randomBytes } from 'node:crypto'

import { Followed, Unfollowed, UserBanned, UserDeleted } from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { profileSearchQuery } from './domain/profiles.js'
import { type AuthHarness, login, startAuth, verificationCode } from './test/harness.js'

let auth: AuthHarness

beforeAll(async () => {
  auth = await startAuth()
})

afterAll(async () => {
  await auth?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

const adminId = '01900000-0000-7000-8000-000000000001'

/** A verified account, logged in; `username` and `displayName` chosen by the test when given. */
async function account(options: { username?: string; displayName?: string } = {}) {
  const suffix = randomBytes(4).toString('hex')
  const user = {
    username: options.username ?? `p_${suffix}`,
    email: `p.${suffix}@example.test`,
    password: 'correct horse battery',
    ...(options.displayName ? { displayName: options.displayName } : {}),
  }
  const registered = await auth.request('/api/auth/register', { body: user })
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`)
  const me = await json(registered)
  const code = await verificationCode(auth, user.email)
  await auth.request('/api/auth/verify-email', { body: { email: user.email, code } })
  const { body } = await login(auth, user.username, user.password)
  return { ...user, id: me.id as string, token: body.accessToken }
}

async function search(query: string) {
  const res = await auth.request(`/api/users?${query}`)
  return { status: res.status, body: await json(res) }
}

const usernames = (body: Record<string, any>) =>
  (body.items as { username: string }[]).map((item) => item.username)

describe('GET /api/users', () => {
  it('finds accounts by a prefix of the username or the display name, in any case, page by page', async () => {
    const tag = `q${randomBytes(3).toString('hex')}`
    const bob = await account({ username: `${tag}_Bob` })
    const alice = await account({ username: `${tag}_alice` })
    const carol = await account({
      username: `zz_${tag}`,
      displayName: `${tag.toUpperCase()} Carol`,
    })
    // Neither name starts with the tag.
    await account({ username: `x${tag}`, displayName: `Not ${tag}` })

    const all = await search(`q=${tag.toUpperCase()}`)
    expect(all.status).toBe(200)
    expect(usernames(all.body)).toEqual([alice.username, bob.username, carol.username])
    expect(all.body.nextCursor).toBeNull()
    expect(all.body.items[0]).toEqual({
      id: alice.id,
      username: alice.username,
      displayName: alice.username,
      bio: '',
      avatarUrl: null,
      createdAt: expect.any(String),
      followersCount: 0,
      followingCount: 0,
      postsCount: 0,
    })

    const first = await search(`q=${tag}&limit=2`)
    expect(usernames(first.body)).toEqual([alice.username, bob.username])
    expect(first.body.nextCursor).toEqual(expect.any(String))
    const second = await search(
      `q=${tag}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    )
    expect(usernames(second.body)).toEqual([carol.username])
    expect(second.body.nextCursor).toBeNull()

    // The display name matches as a prefix too, but only as a prefix.
    expect(usernames((await search(`q=${encodeURIComponent(`${tag} car`)}`)).body)).toEqual([
      carol.username,
    ])
    expect(usernames((await search(`q=carol`)).body)).toEqual([])
  })

  it('matches LIKE wildcards in the query only literally', async () => {
    const tag = `w${randomBytes(3).toString('hex')}`
    await account({ username: `${tag}_x` })
    await account({ username: `${tag}ab` })
    expect(usernames((await search(`q=${encodeURIComponent(`${tag}%`)}`)).body)).toEqual([])
    expect(usernames((await search(`q=${tag}_`)).body)).toEqual([`${tag}_x`])
    expect(
      usernames((await search(`q=${encodeURIComponent(`${tag.slice(0, -1)}_`)}`)).body),
    ).toEqual([])
  })

  it('lists every account in good standing without a query, leaving out banned and deleted ones', async () => {
    const tag = `g${randomBytes(3).toString('hex')}`
    const kept = await account({ username: `${tag}_kept` })
    const banned = await account({ username: `${tag}_banned` })
    const deleted = await account({ username: `${tag}_deleted` })
    const banOver = await account({ username: `${tag}_ban_over` })
    await auth.deliver(UserBanned, {
      userId: banned.id,
      reason: 'spam',
      bannedBy: adminId,
      bannedAt: new Date().toISOString(),
    })
    await auth.deliver(UserBanned, {
      userId: banOver.id,
      reason: 'spam',
      bannedBy: adminId,
      bannedAt: new Date(Date.now() - 120_000).toISOString(),
      until: new Date(Date.now() - 60_000).toISOString(),
    })
    await auth.deliver(UserDeleted, { userId: deleted.id })

    expect(usernames((await search(`q=${tag}`)).body)).toEqual([banOver.username, kept.username])

    // Every page of the unfiltered list, in username order.
    const listed: string[] = []
    let cursor: string | null = null
    do {
      const page: { body: Record<string, any> } = await search(
        `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
      listed.push(...usernames(page.body))
      cursor = page.body.nextCursor as string | null
    } while (cursor)
    expect(listed).toContain(kept.username)
    expect(listed).toContain(banOver.username)
    expect(listed).not.toContain(banned.username)
    expect(listed).not.toContain(deleted.username)
    expect(listed).toEqual([...listed].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)))
  })

  it('refuses an unknown cursor with 400 and a limit outside 1–100 with 422', async () => {
    const badCursor = await search('cursor=not-a-cursor')
    expect(badCursor.status).toBe(400)
    expect(badCursor.body.code).toBe('invalid-cursor')
    for (const limit of [0, 101]) {
      const res = await search(`limit=${limit}`)
      expect(res.status).toBe(422)
      expect(res.body.errors[0].path).toBe('limit')
    }
  })

  it('answers a prefix query from the name indexes, without reading the whole table', async () => {
    const plan = await inTransaction(auth.ctx.orm.em, async (em) => {
      // A table this small is cheaper to scan; forbid that to see whether an index can answer.
      await sql`set local enable_seqscan = off`.execute(em.getKysely())
      return profileSearchQuery(em, { q: 'ali', limit: 20 }, new Date()).explain()
    })
    const text = plan.map((row) => Object.values(row).join(' ')).join('\n')
    expect(text).toContain('users_username_prefix_index')
    expect(text).toContain('users_display_name_prefix_index')
    expect(text).not.toContain('Seq Scan')
  })
})

describe('GET /api/users/{username}', () => {
  it('shows a public profile to anyone, by username in any case', async () => {
    const user = await account()
    const res = await auth.request(`/api/users/${user.username.toUpperCase()}`)
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body).toMatchObject({ id: user.id, username: user.username, postsCount: 0 })
    expect(body).not.toHaveProperty('following')
    expect(body).not.toHaveProperty('followedBy')
    expect(body).not.toHaveProperty('email')
  })

  it('tells a signed-in viewer whether they follow the account and whether it follows them', async () => {
    const viewer = await account()
    const other = await account()
    const profile = async (of: { username: string }, token: string) =>
      json(await auth.request(`/api/users/${of.username}`, { token }))

    expect(await profile(other, viewer.token)).toMatchObject({
      following: false,
      followedBy: false,
    })
    const at = Date.now()
    await auth.deliver(Followed, {
      followerId: viewer.id,
      followeeId: other.id,
      at: new Date(at).toISOString(),
    })
    expect(await profile(other, viewer.token)).toMatchObject({
      following: true,
      followedBy: false,
      followersCount: 1,
    })
    expect(await profile(viewer, other.token)).toMatchObject({
      following: false,
      followedBy: true,
      followingCount: 1,
    })
    await auth.deliver(Followed, {
      followerId: other.id,
      followeeId: viewer.id,
      at: new Date(at).toISOString(),
    })
    expect(await profile(other, viewer.token)).toMatchObject({ following: true, followedBy: true })
    await auth.deliver(Unfollowed, {
      followerId: viewer.id,
      followeeId: other.id,
      at: new Date(at + 1).toISOString(),
    })
    expect(await profile(other, viewer.token)).toMatchObject({
      following: false,
      followedBy: true,
      followersCount: 0,
    })
  })

  it('refuses a bad token with 401 rather than answering as to an anonymous caller', async () => {
    const user = await account()
    const res = await auth.request(`/api/users/${user.username}`, { token: 'not-a-token' })
    expect(res.status).toBe(401)
  })

  it('answers 404 for unknown, banned and deleted accounts', async () => {
    const banned = await account()
    const deleted = await account()
    await auth.deliver(UserBanned, {
      userId: banned.id,
      reason: 'spam',
      bannedBy: adminId,
      bannedAt: new Date().toISOString(),
    })
    await auth.deliver(UserDeleted, { userId: deleted.id })
    for (const username of ['nobody_here', banned.username, deleted.username, 'a@b.test']) {
      const res = await auth.request(`/api/users/${encodeURIComponent(username)}`)
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }
  })
})

describe('PATCH /api/users/me', () => {
  it('changes the profile, answers Me and emits UserProfileUpdated with the whole profile', async () => {
    const user = await account()
    const res = await auth.request('/api/users/me', {
      method: 'PATCH',
      token: user.token,
      body: { displayName: '  Ada L.  ', bio: 'Counts\nthings.', avatarUrl: '/media/ada.webp' },
    })
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({
      id: user.id,
      username: user.username,
      email: user.email,
      displayName: 'Ada L.',
      bio: 'Counts\nthings.',
      avatarUrl: '/media/ada.webp',
      role: 'user',
    })
    const event = await auth.events.next(
      (m) => m.body.type === 'UserProfileUpdated' && m.body.data.userId === user.id,
    )
    expect(event.body.data).toEqual({
      userId: user.id,
      displayName: 'Ada L.',
      bio: 'Counts\nthings.',
      avatarUrl: '/media/ada.webp',
    })

    // One field at a time; the event still carries the rest of the profile.
    const cleared = await auth.request('/api/users/me', {
      method: 'PATCH',
      token: user.token,
      body: { avatarUrl: null },
    })
    expect(await json(cleared)).toMatchObject({ displayName: 'Ada L.', avatarUrl: null })
    const second = await auth.events.next(
      (m) =>
        m.body.type === 'UserProfileUpdated' &&
        m.body.data.userId === user.id &&
        m.body.data.avatarUrl === null,
    )
    expect(second.body.data).toEqual({
      userId: user.id,
      displayName: 'Ada L.',
      bio: 'Counts\nthings.',
      avatarUrl: null,
    })
    expect(await json(await auth.request(`/api/users/${user.username}`))).toMatchObject({
      displayName: 'Ada L.',
      bio: 'Counts\nthings.',
      avatarUrl: null,
    })
  })

  it('accepts https URLs and Chatty media URLs as avatars', async () => {
    const user = await account()
    for (const [avatarUrl, stored] of [
      ['https://images.example/me.png', 'https://images.example/me.png'],
      ['http://chatty.test/media/me.png', 'http://chatty.test/media/me.png'],
      ['/media/me.png', '/media/me.png'],
    ]) {
      const res = await auth.request('/api/users/me', {
        method: 'PATCH',
        token: user.token,
        body: { avatarUrl },
      })
      expect(res.status).toBe(200)
      expect((await json(res)).avatarUrl).toBe(stored)
    }
  })

  it.each([
    ['avatarUrl', { avatarUrl: 'javascript:alert(1)' }],
    ['avatarUrl', { avatarUrl: 'data:image/png;base64,iVBORw0KGgo=' }],
    ['avatarUrl', { avatarUrl: 'http://elsewhere.example/me.png' }],
    ['avatarUrl', { avatarUrl: 'http://chatty.test/api/users' }],
    ['avatarUrl', { avatarUrl: '//elsewhere.example/media/me.png' }],
    ['avatarUrl', { avatarUrl: 42 }],
    ['bio', { bio: 'x'.repeat(301) }],
    ['bio', { bio: 'bell\u0007' }],
    ['displayName', { displayName: '   ' }],
    ['displayName', { displayName: 'x'.repeat(51) }],
    ['displayName', { displayName: 'tab\u0000name' }],
    ['(body)', { role: 'admin' }],
    ['(body)', {}],
  ])('refuses a body with a bad %s with 422 naming it', async (path, body) => {
    const user = await account()
    const res = await auth.request('/api/users/me', { method: 'PATCH', token: user.token, body })
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((error: { path: string }) => error.path)).toContain(path)
    expect((await json(await auth.request(`/api/users/${user.username}`))).displayName).toBe(
      user.username,
    )
  })

  it('needs a token', async () => {
    const res = await auth.request('/api/users/me', { method: 'PATCH', body: { bio: 'hi' } })
    expect(res.status).toBe(401)
  })

  it('limits profile writes per user with 429', async () => {
    const user = await account()
    const statuses: number[] = []
    for (let index = 0; index < 31; index += 1) {
      const res = await auth.request('/api/users/me', {
        method: 'PATCH',
        token: user.token,
        body: { bio: `take ${index}` },
      })
      statuses.push(res.status)
      if (res.status === 429) expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    }
    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true)
    expect(statuses[30]).toBe(429)
  })
})

describe('OpenAPI document', () => {
  it('lists the profile routes with their bodies', async () => {
    const doc = await json(await auth.request('/api/auth/openapi.json'))
    expect(doc.paths['/api/users']).toHaveProperty('get')
    expect(doc.paths['/api/users/{username}']).toHaveProperty('get')
    expect(Object.keys(doc.paths['/api/users/me'])).toEqual(
      expect.arrayContaining(['patch', 'delete']),
    )
    const patch = doc.paths['/api/users/me'].patch.requestBody.content['application/json'].schema
    expect(Object.keys(patch.properties)).toEqual(['displayName', 'bio', 'avatarUrl'])
  })
})
