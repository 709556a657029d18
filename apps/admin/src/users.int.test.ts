import {
  EmailDelivered,
  EmailFailed,
  UserDeleted,
  UserEmailVerified,
  UserProfileUpdated,
  UserRegistered,
  UserRoleChanged,
  uuidv7,
} from '@chatty/contracts'
import { createTestIssuer, eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { User } from './entities/user.entity.js'
import { type AdminHarness, startAdmin } from './test/harness.js'

let admin: AdminHarness
let moderatorToken: string

beforeAll(async () => {
  admin = await startAdmin()
  moderatorToken = await admin.tokenFor('moderator')
})

afterAll(async () => {
  await admin?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

async function getUser(id: string) {
  const res = await admin.request(`/api/admin/users/${id}`, { token: moderatorToken })
  expect(res.status).toBe(200)
  return json(res)
}

const someId = uuidv7()
const protectedRoutes: [string, string, unknown?][] = [
  ['GET', '/api/admin/users'],
  ['GET', `/api/admin/users/${someId}`],
  ['POST', `/api/admin/users/${someId}/ban`, { reason: 'spam' }],
  ['POST', `/api/admin/users/${someId}/unban`],
  ['DELETE', `/api/admin/posts/${someId}`],
  ['GET', '/api/admin/audit-log'],
]

describe('access', () => {
  it.each(protectedRoutes)('%s %s answers 401 without a token', async (method, path, body) => {
    const res = await admin.request(path, { method, body })
    expect(res.status).toBe(401)
    expect((await json(res)).code).toBe('unauthorized')
  })

  it.each(protectedRoutes)('%s %s answers 403 to a plain user', async (method, path, body) => {
    const res = await admin.request(path, { method, body, token: await admin.tokenFor('user') })
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('forbidden')
  })

  it('answers 401 for a token signed by someone else', async () => {
    const stranger = await createTestIssuer()
    const token = await stranger.sign({ id: uuidv7(), username: 'mallory', role: 'admin' })
    const res = await admin.request('/api/admin/users', { token })
    expect(res.status).toBe(401)
  })

  it('serves its OpenAPI document and health', async () => {
    const doc = await json(await admin.request('/api/admin/openapi.json'))
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/admin/users',
        '/api/admin/users/{id}',
        '/api/admin/users/{id}/ban',
        '/api/admin/users/{id}/unban',
        '/api/admin/posts/{id}',
        '/api/admin/comments/{id}',
        '/api/admin/reports',
        '/api/admin/reports/{id}',
        '/api/reports',
        '/api/admin/audit-log',
      ]),
    )
    expect((await json(await admin.request('/api/admin/health'))).service).toBe('admin')
    expect((await json(await admin.request('/api/reports/health'))).service).toBe('admin')
  })
})

describe('user list', () => {
  it('lets a moderator find users by part of the username, display name or email', async () => {
    const ada = await admin.registerUser({ label: 'adalove', displayName: 'Countess Lovelace' })
    await admin.registerUser({ label: 'other' })

    const search = async (q: string) => {
      const res = await admin.request(`/api/admin/users?q=${encodeURIComponent(q)}`, {
        token: moderatorToken,
      })
      expect(res.status).toBe(200)
      return ((await json(res)).items as { id: string }[]).map((user) => user.id)
    }
    expect(await search('adalo')).toEqual([ada.id])
    expect(await search('DALOV')).toEqual([ada.id])
    expect(await search('countess lovelace')).toEqual([ada.id])
    expect(await search(ada.email)).toEqual([ada.id])
    expect(await search('%')).toEqual([])
  })

  it('lists users with the admin shape and never more than asked', async () => {
    const user = await admin.registerUser({ label: 'shape' })
    const res = await admin.request(`/api/admin/users?q=${user.username}`, {
      token: moderatorToken,
    })
    const page = await json(res)
    expect(page).toEqual({
      items: [
        {
          id: user.id,
          username: user.username,
          email: user.email,
          displayName: user.displayName,
          role: 'user',
          status: 'active',
          emailVerified: false,
          createdAt: expect.any(String),
          bannedAt: null,
          banReason: null,
          bannedUntil: null,
        },
      ],
      nextCursor: null,
    })
  })

  it('filters by status and role', async () => {
    const mod = await admin.registerUser({ role: 'moderator', label: 'filtmod' })
    const plain = await admin.registerUser({ label: 'filtuser' })
    const adminToken = await admin.tokenFor('admin')
    expect(
      (
        await admin.request(`/api/admin/users/${plain.id}/ban`, {
          body: { reason: 'spam' },
          token: adminToken,
        })
      ).status,
    ).toBe(200)

    const list = async (query: string) => {
      const res = await admin.request(`/api/admin/users?q=filt&${query}`, { token: moderatorToken })
      expect(res.status).toBe(200)
      return ((await json(res)).items as { id: string }[]).map((user) => user.id)
    }
    expect(await list('role=moderator')).toEqual([mod.id])
    expect(await list('status=banned')).toEqual([plain.id])
    expect(await list('status=active&role=user')).toEqual([])
    expect(await list('status=active')).toEqual([mod.id])

    const bad = await admin.request('/api/admin/users?status=frozen', { token: moderatorToken })
    expect(bad.status).toBe(422)
  })

  it('pages newest first with a cursor, without repeats or gaps', async () => {
    const created = []
    for (let i = 0; i < 5; i++) created.push(await admin.registerUser({ label: 'pager' }))
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = `q=pager&limit=2${cursor ? `&cursor=${cursor}` : ''}`
      const res = await admin.request(`/api/admin/users?${query}`, { token: moderatorToken })
      expect(res.status).toBe(200)
      const page = await json(res)
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.items.map((user: { id: string }) => user.id))
      cursor = page.nextCursor
      pages++
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual(created.map((user) => user.id).reverse())
  })

  it('answers 400 invalid-cursor for a cursor it did not issue', async () => {
    const res = await admin.request('/api/admin/users?cursor=bm9wZQ', { token: moderatorToken })
    expect(res.status).toBe(400)
    expect((await json(res)).code).toBe('invalid-cursor')
  })
})

describe('user detail', () => {
  it('shows the outcome of the emails sent to the user, newest first', async () => {
    const user = await admin.registerUser({ label: 'mail' })
    const verifyId = uuidv7()
    await admin.publish(
      EmailDelivered,
      {
        emailId: verifyId,
        userId: user.id,
        to: user.email,
        template: 'verify-email',
        deliveredAt: '2026-01-01T10:00:00.000Z',
      },
      { producer: 'email-consumer' },
    )
    await admin.publish(
      EmailFailed,
      {
        emailId: uuidv7(),
        userId: user.id,
        to: user.email,
        template: 'password-reset',
        reason: '550 mailbox unavailable',
        failedAt: '2026-01-01T11:00:00.000Z',
      },
      { producer: 'email-consumer' },
    )
    const detail = await eventually(async () => {
      const body = await getUser(user.id)
      expect(body.emails).toHaveLength(2)
      return body
    })
    expect(detail).toMatchObject({ id: user.id, username: user.username, status: 'active' })
    expect(detail.emails).toEqual([
      {
        template: 'password-reset',
        status: 'failed',
        at: '2026-01-01T11:00:00.000Z',
        error: '550 mailbox unavailable',
      },
      {
        template: 'verify-email',
        status: 'delivered',
        at: '2026-01-01T10:00:00.000Z',
        error: null,
      },
    ])
  })

  it('keeps the latest outcome of one email whatever order the reports arrive in', async () => {
    const user = await admin.registerUser({ label: 'retry' })
    const emailId = uuidv7()
    const base = { emailId, userId: user.id, to: user.email, template: 'welcome' as const }
    const delivered = await admin.publish(EmailDelivered, {
      ...base,
      deliveredAt: '2026-02-01T10:05:00.000Z',
    })
    const failed = await admin.publish(EmailFailed, {
      ...base,
      reason: 'timeout',
      failedAt: '2026-02-01T10:00:00.000Z',
    })
    await admin.consumed(delivered.id, failed.id)
    expect((await getUser(user.id)).emails).toEqual([
      { template: 'welcome', status: 'delivered', at: '2026-02-01T10:05:00.000Z', error: null },
    ])
  })

  it('answers 404 for a user the projection does not know, and for a malformed id', async () => {
    for (const id of [uuidv7(), 'not-a-uuid']) {
      const res = await admin.request(`/api/admin/users/${id}`, { token: moderatorToken })
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }
  })
})

describe('user projection', () => {
  it('follows verification, profile updates, role changes and deletion', async () => {
    const user = await admin.registerUser({ label: 'life' })
    await admin.publish(UserEmailVerified, {
      userId: user.id,
      verifiedAt: new Date().toISOString(),
    })
    await admin.publish(UserProfileUpdated, {
      userId: user.id,
      displayName: 'New Name',
      bio: 'hi',
      avatarUrl: null,
    })
    await admin.publish(UserRoleChanged, { userId: user.id, role: 'moderator', changedBy: null })
    await eventually(async () => {
      expect(await getUser(user.id)).toMatchObject({
        emailVerified: true,
        displayName: 'New Name',
        role: 'moderator',
        status: 'active',
      })
    })
    await admin.publish(UserDeleted, { userId: user.id })
    await eventually(async () => expect((await getUser(user.id)).status).toBe('deleted'))
  })

  it('ignores a profile update older than the one already applied', async () => {
    const user = await admin.registerUser({ label: 'late' })
    await admin.publish(
      UserProfileUpdated,
      { userId: user.id, displayName: 'Newer', bio: '', avatarUrl: null },
      { occurredAt: new Date('2026-03-01T12:00:00Z') },
    )
    await eventually(async () => expect((await getUser(user.id)).displayName).toBe('Newer'))
    const late = await admin.publish(
      UserProfileUpdated,
      { userId: user.id, displayName: 'Older', bio: '', avatarUrl: null },
      { occurredAt: new Date('2026-03-01T11:00:00Z') },
    )
    await admin.consumed(late.id)
    expect((await getUser(user.id)).displayName).toBe('Newer')
  })

  it('applies an update that overtook the registration once the registration arrives', async () => {
    const userId = uuidv7()
    await admin.publish(UserEmailVerified, { userId, verifiedAt: new Date().toISOString() })
    await admin.publish(UserRegistered, {
      userId,
      username: 'overtaken',
      email: 'overtaken@example.test',
      displayName: 'Overtaken',
      role: 'user',
      registeredAt: new Date().toISOString(),
    })
    await eventually(async () => {
      const res = await admin.request(`/api/admin/users/${userId}`, { token: moderatorToken })
      expect(res.status).toBe(200)
      expect((await json(res)).emailVerified).toBe(true)
    })
  })

  it('keeps what events before the registration say, hidden until UserRegistered fills in the rest', async () => {
    const userId = uuidv7()
    const email = `early_${userId.slice(-8)}@example.test`
    await admin.deliver(
      EmailDelivered,
      {
        emailId: uuidv7(),
        userId,
        to: email,
        template: 'verify-email',
        deliveredAt: '2026-04-01T10:00:00.000Z',
      },
      { producer: 'email-consumer' },
    )
    await admin.deliver(UserEmailVerified, { userId, verifiedAt: new Date().toISOString() })
    await admin.deliver(UserProfileUpdated, {
      userId,
      displayName: 'Renamed Early',
      bio: '',
      avatarUrl: null,
    })
    await admin.deliver(UserRoleChanged, { userId, role: 'moderator', changedBy: null })
    expect(await admin.deadLetterCount()).toBe(0)

    const hidden = await admin.request(`/api/admin/users/${userId}`, { token: moderatorToken })
    expect(hidden.status).toBe(404)
    const listed = await admin.request('/api/admin/users?q=renamed%20early', {
      token: moderatorToken,
    })
    expect((await json(listed)).items).toEqual([])

    await admin.deliver(UserRegistered, {
      userId,
      username: `early_${userId.slice(-8)}`,
      email,
      displayName: 'Name At Signup',
      role: 'user',
      registeredAt: new Date().toISOString(),
    })
    expect(await getUser(userId)).toMatchObject({
      id: userId,
      username: `early_${userId.slice(-8)}`,
      email,
      displayName: 'Renamed Early',
      role: 'moderator',
      status: 'active',
      emailVerified: true,
      emails: [
        {
          template: 'verify-email',
          status: 'delivered',
          at: '2026-04-01T10:00:00.000Z',
          error: null,
        },
      ],
    })
    const found = await admin.request('/api/admin/users?q=renamed%20early', {
      token: moderatorToken,
    })
    expect((await json(found)).items.map((user: { id: string }) => user.id)).toEqual([userId])
    expect(await admin.deadLetterCount()).toBe(0)
  })

  it('keeps a deletion that overtook the registration', async () => {
    const userId = uuidv7()
    await admin.deliver(UserDeleted, { userId })
    await admin.deliver(UserRegistered, {
      userId,
      username: `gone_${userId.slice(-8)}`,
      email: `gone_${userId.slice(-8)}@example.test`,
      displayName: 'Gone',
      role: 'user',
      registeredAt: new Date().toISOString(),
    })
    expect(await getUser(userId)).toMatchObject({ status: 'deleted', displayName: 'Gone' })
    expect(await admin.deadLetterCount()).toBe(0)
  })

  it('shrugs off a duplicated UserRegistered: one user, and a ban decided here survives', async () => {
    const user = await admin.registerUser({ label: 'dupe' })
    const adminToken = await admin.tokenFor('admin')
    const banned = await admin.request(`/api/admin/users/${user.id}/ban`, {
      body: { reason: 'spam' },
      token: adminToken,
    })
    expect(banned.status).toBe(200)

    const registration = {
      userId: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      role: 'user' as const,
      registeredAt: new Date().toISOString(),
    }
    const replayed = await admin.publish(UserRegistered, registration)
    await admin.publish(UserRegistered, registration, { id: replayed.id })
    const reissued = await admin.publish(UserRegistered, registration)
    await admin.consumed(replayed.id, reissued.id)
    expect(await admin.ctx.orm.em.fork().count(User, { username: user.username })).toBe(1)
    expect(await getUser(user.id)).toMatchObject({ status: 'banned', banReason: 'spam' })
  })
})
