import { EmailDelivered, UserDeleted, UserProfileUpdated, uuidv7 } from '@chatty/contracts'
import { revocationKeys } from '@chatty/http'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { DEFAULT_BAN_REASON } from './domain/accounts.js'
import { type AdminHarness, type KnownUser, type Role, startAdmin } from './test/harness.js'

const json = async (res: Response) => (await res.json()) as Record<string, any>

/** What a client and the tests need of one running admin. */
function clientOf(admin: AdminHarness) {
  const patch = (id: string, body: unknown, token: string) =>
    admin.request(`/api/admin/users/${id}`, { method: 'PATCH', body, token })

  const audit = async (targetId: string, token: string) => {
    const res = await admin.request(`/api/admin/audit-log?targetId=${targetId}`, { token })
    expect(res.status).toBe(200)
    return (await json(res)).items as Record<string, any>[]
  }

  const detail = async (id: string, token: string) => {
    const res = await admin.request(`/api/admin/users/${id}`, { token })
    expect(res.status).toBe(200)
    return json(res)
  }

  /** The events admin queued about the user, oldest first. */
  const queued = async (userId: string) => {
    const rows = await admin.ctx.orm.em
      .fork()
      .getConnection()
      .execute<{ type: string; data: Record<string, unknown> }[]>(
        `select type, envelope->'data' as data from outbox
         where envelope->'data'->>'userId' = ? order by created_at, id`,
        [userId],
      )
    return rows.map((row) => ({ type: row.type, data: row.data }))
  }

  /** The user's revocation mark: tokens issued up to this time (ms) are refused. */
  const mark = async (userId: string) => {
    const value = await admin.ctx.redis.get(revocationKeys.user(userId))
    return value === null ? null : Number(value)
  }

  /** A token the user gets by refreshing after now: issued later than any mark written so far. */
  const refreshed = (user: KnownUser, role: Role) =>
    admin.issuer.sign(
      { id: user.id, username: user.username, role },
      { issuedAt: new Date(Date.now() + 1_000) },
    )

  return { patch, audit, detail, queued, mark, refreshed }
}

describe('PATCH /api/admin/users/{id}', () => {
  let admin: AdminHarness
  let client: ReturnType<typeof clientOf>
  let chief: KnownUser
  let deputy: KnownUser

  beforeAll(async () => {
    admin = await startAdmin()
    client = clientOf(admin)
    chief = await admin.registerUser({ role: 'admin', label: 'chief' })
    deputy = await admin.registerUser({ role: 'admin', label: 'deputy' })
  })

  afterAll(async () => {
    await admin?.close()
  })

  describe('roles', () => {
    it('makes a user a moderator: audited, announced, old tokens refused, a refreshed one works', async () => {
      const user = await admin.registerUser({ label: 'promoted' })
      const before = Date.now()
      const res = await client.patch(user.id, { role: 'moderator' }, chief.token)
      expect(res.status).toBe(200)
      expect(await json(res)).toEqual({
        id: user.id,
        username: user.username,
        email: user.email,
        displayName: user.displayName,
        role: 'moderator',
        status: 'active',
        emailVerified: false,
        createdAt: expect.any(String),
        bannedAt: null,
        banReason: null,
        bannedUntil: null,
      })

      const event = await admin.events.next(
        (m) => m.body.type === 'UserRoleChanged' && m.body.data.userId === user.id,
      )
      expect(event.routingKey).toBe('user.role_changed')
      expect(event.body.producer).toBe('admin')
      expect(event.body.data).toEqual({ userId: user.id, role: 'moderator', changedBy: chief.id })

      const entries = await client.audit(user.id, chief.token)
      expect(entries).toHaveLength(1)
      expect(entries[0]).toMatchObject({
        actorId: chief.id,
        action: 'user.role',
        targetType: 'user',
        targetId: user.id,
        detail: { previousRole: 'user', role: 'moderator' },
      })

      expect(await client.mark(user.id)).toBeGreaterThanOrEqual(before)
      const old = await admin.request('/api/admin/users', { token: user.token })
      expect(old.status).toBe(401)
      const fresh = await admin.request('/api/admin/users', {
        token: await client.refreshed(user, 'moderator'),
      })
      expect(fresh.status).toBe(200)
      expect((await client.detail(user.id, chief.token)).role).toBe('moderator')
    })

    it("refuses a demoted admin's live token at once", async () => {
      const demoted = await admin.registerUser({ role: 'admin', label: 'demoted' })
      expect((await admin.request('/api/admin/audit-log', { token: demoted.token })).status).toBe(
        200,
      )
      const res = await client.patch(demoted.id, { role: 'user' }, chief.token)
      expect(res.status).toBe(200)
      expect((await json(res)).role).toBe('user')
      const refused = await admin.request('/api/admin/audit-log', { token: demoted.token })
      expect(refused.status).toBe(401)
      expect((await json(refused)).code).toBe('unauthorized')
      expect(await client.queued(demoted.id)).toEqual([
        {
          type: 'UserRoleChanged',
          data: { userId: demoted.id, role: 'user', changedBy: chief.id },
        },
      ])
    })

    it('changes nothing when the user has that role already', async () => {
      const user = await admin.registerUser({ role: 'moderator', label: 'same' })
      const res = await client.patch(user.id, { role: 'moderator' }, chief.token)
      expect(res.status).toBe(200)
      expect((await json(res)).role).toBe('moderator')
      expect(await client.queued(user.id)).toEqual([])
      expect(await client.audit(user.id, chief.token)).toEqual([])
      expect(await client.mark(user.id)).toBeNull()
      expect((await admin.request('/api/admin/users', { token: user.token })).status).toBe(200)
    })
  })

  describe('access and input', () => {
    it.each(['moderator', 'user'] as const)(
      'answers 403 to a %s, changing nothing',
      async (role) => {
        const target = await admin.registerUser({ label: 'target' })
        const actor = await admin.registerUser({ role, label: `actor_${role}` })
        for (const body of [{ role: 'admin' }, { status: 'banned' }, { status: 'deleted' }]) {
          const res = await client.patch(target.id, body, actor.token)
          expect(res.status).toBe(403)
          expect((await json(res)).code).toBe('forbidden')
        }
        expect(await client.queued(target.id)).toEqual([])
        expect(await client.detail(target.id, chief.token)).toMatchObject({
          role: 'user',
          status: 'active',
        })
      },
    )

    it('answers 401 without a token', async () => {
      const res = await admin.request(`/api/admin/users/${chief.id}`, {
        method: 'PATCH',
        body: { role: 'user' },
      })
      expect(res.status).toBe(401)
    })

    it.each([
      ['neither role nor status', {}, ['role', 'status']],
      ['a reason alone', { reason: 'spam' }, ['role', 'status', 'reason']],
      ['an unknown role', { role: 'owner' }, ['role']],
      ['an unknown status', { status: 'frozen' }, ['status']],
      ['a reason without a ban', { role: 'moderator', reason: 'trusted' }, ['reason']],
      ['a duration with a deletion', { status: 'deleted', durationHours: 2 }, ['durationHours']],
      ['a zero duration', { status: 'banned', durationHours: 0 }, ['durationHours']],
      ['an empty reason', { status: 'banned', reason: '  ' }, ['reason']],
      ['an unknown field', { role: 'user', username: 'x' }, ['(body)']],
    ])('answers 422 naming the field for %s', async (_case, body, paths) => {
      const user = await admin.registerUser({ label: 'invalid' })
      const res = await client.patch(user.id, body, chief.token)
      expect(res.status).toBe(422)
      const problem = await json(res)
      expect(problem.code).toBe('validation-failed')
      expect(problem.errors.map((error: { path: string }) => error.path).sort()).toEqual(
        [...paths].sort(),
      )
      expect(await client.queued(user.id)).toEqual([])
    })

    it('answers 404 for an unknown and for a malformed id', async () => {
      for (const id of [uuidv7(), 'not-a-uuid']) {
        const res = await client.patch(id, { role: 'moderator' }, chief.token)
        expect(res.status).toBe(404)
        expect((await json(res)).code).toBe('not-found')
      }
    })

    it('is in the OpenAPI document', async () => {
      const doc = await json(await admin.request('/api/admin/openapi.json'))
      expect(Object.keys(doc.paths['/api/admin/users/{id}'])).toEqual(
        expect.arrayContaining(['get', 'patch']),
      )
    })
  })

  describe('statuses', () => {
    it('bans exactly as the ban route does', async () => {
      const viaPatch = await admin.registerUser({ label: 'patchban' })
      const viaRoute = await admin.registerUser({ label: 'routeban' })
      const ban = { reason: 'spam links', durationHours: 24 }
      const patched = await client.patch(viaPatch.id, { status: 'banned', ...ban }, chief.token)
      const routed = await admin.request(`/api/admin/users/${viaRoute.id}/ban`, {
        body: ban,
        token: chief.token,
      })
      expect(patched.status).toBe(200)
      expect(routed.status).toBe(200)

      const shape = (body: Record<string, any>) => ({
        status: body.status,
        banReason: body.banReason,
        hours: (Date.parse(body.bannedUntil) - Date.parse(body.bannedAt)) / 3_600_000,
      })
      const patchedBody = await json(patched)
      expect(shape(patchedBody)).toEqual({ status: 'banned', banReason: 'spam links', hours: 24 })
      expect(shape(patchedBody)).toEqual(shape(await json(routed)))

      const events = await Promise.all(
        [viaPatch, viaRoute].map((user) =>
          admin.events.next((m) => m.body.type === 'UserBanned' && m.body.data.userId === user.id),
        ),
      )
      const withoutUser = ({ userId: _userId, bannedAt: _at, until: _until, ...rest }: any) => rest
      expect(withoutUser(events[0]!.body.data)).toEqual({
        reason: 'spam links',
        bannedBy: chief.id,
      })
      expect(withoutUser(events[0]!.body.data)).toEqual(withoutUser(events[1]!.body.data))

      const [patchEntries, routeEntries] = await Promise.all(
        [viaPatch, viaRoute].map((user) => client.audit(user.id, chief.token)),
      )
      expect(patchEntries!.map((entry) => [entry.action, entry.detail.reason])).toEqual([
        ['user.ban', 'spam links'],
      ])
      expect(patchEntries![0]!.detail.durationHours).toBe(routeEntries![0]!.detail.durationHours)

      for (const user of [viaPatch, viaRoute]) {
        expect(await client.mark(user.id)).not.toBeNull()
        expect((await admin.request('/api/admin/users', { token: user.token })).status).toBe(401)
      }
    })

    it('bans with a default reason when none is given', async () => {
      const user = await admin.registerUser({ label: 'noreason' })
      const res = await client.patch(user.id, { status: 'banned' }, chief.token)
      expect(res.status).toBe(200)
      expect(await json(res)).toMatchObject({
        status: 'banned',
        banReason: DEFAULT_BAN_REASON,
        bannedUntil: null,
      })
    })

    it('lifts a ban with status active', async () => {
      const user = await admin.registerUser({ label: 'unbanned' })
      expect((await client.patch(user.id, { status: 'banned' }, chief.token)).status).toBe(200)
      const res = await client.patch(user.id, { status: 'active' }, chief.token)
      expect(res.status).toBe(200)
      expect(await json(res)).toMatchObject({ status: 'active', bannedAt: null, banReason: null })
      expect((await client.queued(user.id)).map((event) => event.type)).toEqual([
        'UserBanned',
        'UserUnbanned',
      ])
      expect((await client.audit(user.id, chief.token)).map((entry) => entry.action)).toEqual([
        'user.unban',
        'user.ban',
      ])
    })

    it('deletes an account for good: UserDeleted, tokens refused, the record kept as deleted', async () => {
      const user = await admin.registerUser({ label: 'erased' })
      const res = await client.patch(user.id, { status: 'deleted' }, chief.token)
      expect(res.status).toBe(200)
      expect(await json(res)).toMatchObject({
        id: user.id,
        username: user.username,
        email: user.email,
        status: 'deleted',
      })

      const event = await admin.events.next(
        (m) => m.body.type === 'UserDeleted' && m.body.data.userId === user.id,
      )
      expect(event.routingKey).toBe('user.deleted')
      expect(event.body.data).toEqual({ userId: user.id })
      const [entry] = await client.audit(user.id, chief.token)
      expect(entry).toMatchObject({
        actorId: chief.id,
        action: 'user.delete',
        detail: { previousStatus: 'active', role: 'user' },
      })
      expect(await client.mark(user.id)).not.toBeNull()
      expect((await admin.request('/api/admin/users', { token: user.token })).status).toBe(401)

      // admin consumes its own UserDeleted too; the record stays as it was.
      await eventually(async () => {
        expect(await client.detail(user.id, chief.token)).toMatchObject({
          username: user.username,
          email: user.email,
          displayName: user.displayName,
          status: 'deleted',
        })
      })
      const listed = await admin.request(`/api/admin/users?q=${user.username}&status=deleted`, {
        token: chief.token,
      })
      expect((await json(listed)).items.map((item: { id: string }) => item.id)).toEqual([user.id])

      const again = await client.patch(user.id, { status: 'deleted' }, chief.token)
      expect(again.status).toBe(200)
      expect((await client.queued(user.id)).map((queued) => queued.type)).toEqual(['UserDeleted'])
    })

    it.each([
      ['active', { status: 'active' }, 'status'],
      ['banned', { status: 'banned' }, 'status'],
      ['a new role', { role: 'moderator' }, 'role'],
    ])('refuses %s for a deleted account with 422', async (_case, body, path) => {
      const user = await admin.registerUser({ label: 'final' })
      await admin.deliver(UserDeleted, { userId: user.id })
      const res = await client.patch(user.id, body, chief.token)
      expect(res.status).toBe(422)
      const problem = await json(res)
      expect(problem.code).toBe('user-deleted')
      expect(problem.errors).toEqual([{ path, message: expect.any(String) }])
      expect(await client.queued(user.id)).toEqual([])
      expect((await client.detail(user.id, chief.token)).status).toBe('deleted')
    })

    it('demotes and bans an admin in one request: both audited and announced', async () => {
      const rogue = await admin.registerUser({ role: 'admin', label: 'rogue' })
      const alone = await client.patch(rogue.id, { status: 'banned' }, chief.token)
      expect(alone.status).toBe(403)

      const res = await client.patch(
        rogue.id,
        { role: 'user', status: 'banned', reason: 'coup' },
        chief.token,
      )
      expect(res.status).toBe(200)
      expect(await json(res)).toMatchObject({ role: 'user', status: 'banned', banReason: 'coup' })
      expect((await client.queued(rogue.id)).map((event) => event.type)).toEqual([
        'UserRoleChanged',
        'UserBanned',
      ])
      expect(
        (await client.audit(rogue.id, chief.token)).map((entry) => entry.action).sort(),
      ).toEqual(['user.ban', 'user.role'])
    })

    it('refuses banning yourself before changing anything', async () => {
      const res = await client.patch(deputy.id, { role: 'user', status: 'banned' }, deputy.token)
      expect(res.status).toBe(422)
      expect((await json(res)).code).toBe('cannot-ban-self')
      expect(await client.queued(deputy.id)).toEqual([])
      expect(await client.mark(deputy.id)).toBeNull()
    })
  })

  describe("admin's view of the account", () => {
    it('applies a profile update and lists the new emails', async () => {
      const user = await admin.registerUser({ label: 'renamed' })
      await admin.deliver(UserProfileUpdated, {
        userId: user.id,
        displayName: 'Renamed Person',
        bio: 'about me',
        avatarUrl: null,
      })
      for (const [template, at] of [
        ['welcome', '2026-05-01T10:00:00.000Z'],
        ['password-reset', '2026-05-01T11:00:00.000Z'],
        ['password-changed', '2026-05-01T12:00:00.000Z'],
      ] as const) {
        await admin.deliver(
          EmailDelivered,
          { emailId: uuidv7(), userId: user.id, to: user.email, template, deliveredAt: at },
          { producer: 'email-consumer' },
        )
      }
      const body = await client.detail(user.id, chief.token)
      expect(body.displayName).toBe('Renamed Person')
      expect(body.emails.map((email: { template: string }) => email.template)).toEqual([
        'password-changed',
        'password-reset',
        'welcome',
      ])
    })

    it("keeps auth's deletion of an account once, with its data, however often it arrives", async () => {
      const user = await admin.registerUser({ role: 'moderator', label: 'selfdel' })
      const first = await admin.deliver(UserDeleted, { userId: user.id })
      await admin.deliver(UserDeleted, { userId: user.id }, { id: first.id })
      await admin.deliver(UserDeleted, { userId: user.id })
      expect(await client.detail(user.id, chief.token)).toMatchObject({
        username: user.username,
        email: user.email,
        displayName: user.displayName,
        role: 'moderator',
        status: 'deleted',
      })
      const listed = await admin.request(
        `/api/admin/users?q=${user.username}&status=deleted&role=moderator`,
        { token: chief.token },
      )
      expect((await json(listed)).items.map((item: { id: string }) => item.id)).toEqual([user.id])
      expect(await admin.deadLetterCount()).toBe(0)
    })
  })
})

describe('the last admin', () => {
  let admin: AdminHarness
  let client: ReturnType<typeof clientOf>

  // A database of its own, as the rule counts every admin in it; each test first demotes the
  // admins it did not make (onlyAdmins).
  beforeAll(async () => {
    admin = await startAdmin()
    client = clientOf(admin)
  })

  afterAll(async () => {
    await admin?.close()
  })

  /** Demotes every admin there is but `keep`, so the test starts with exactly these admins. */
  async function onlyAdmins(...keep: KnownUser[]) {
    const list = await admin.request('/api/admin/users?role=admin&status=active&limit=100', {
      token: await admin.tokenFor('admin'),
    })
    const actor = await admin.tokenFor('admin')
    for (const { id } of (await json(list)).items as { id: string }[]) {
      if (keep.some((user) => user.id === id)) continue
      expect((await client.patch(id, { role: 'user' }, actor)).status).toBe(200)
    }
  }

  it('cannot be demoted, banned or deleted, by another admin token or by themselves', async () => {
    const lone = await admin.registerUser({ role: 'admin', label: 'lone' })
    await onlyAdmins(lone)
    const stranger = await admin.tokenFor('admin')
    for (const token of [stranger, lone.token]) {
      for (const [body, path] of [
        [{ role: 'user' }, 'role'],
        [{ role: 'moderator' }, 'role'],
        [{ status: 'banned', reason: 'coup' }, 'status'],
        [{ status: 'deleted' }, 'status'],
        [{ role: 'user', status: 'deleted' }, 'role'],
      ] as const) {
        const res = await client.patch(lone.id, body, token)
        expect(res.status).toBe(422)
        const problem = await json(res)
        expect(problem.code).toBe('last-admin')
        expect(problem.errors).toEqual([{ path, message: expect.any(String) }])
      }
    }
    expect(await client.queued(lone.id)).toEqual([])
    expect(await client.mark(lone.id)).toBeNull()
    expect(await client.detail(lone.id, stranger)).toMatchObject({
      role: 'admin',
      status: 'active',
    })
  })

  it('with two admins, one can be demoted and then the other cannot', async () => {
    const first = await admin.registerUser({ role: 'admin', label: 'first' })
    const second = await admin.registerUser({ role: 'admin', label: 'second' })
    await onlyAdmins(first, second)
    expect((await client.patch(first.id, { role: 'moderator' }, second.token)).status).toBe(200)
    const refused = await client.patch(second.id, { role: 'moderator' }, second.token)
    expect(refused.status).toBe(422)
    expect((await json(refused)).code).toBe('last-admin')

    // Stepping down works once someone else is admin again.
    expect((await client.patch(first.id, { role: 'admin' }, second.token)).status).toBe(200)
    const stepDown = await client.patch(second.id, { status: 'deleted' }, second.token)
    expect(stepDown.status).toBe(200)
    expect((await json(stepDown)).status).toBe('deleted')
  })

  it('lets only one of two simultaneous demotions of the last two admins through', async () => {
    for (let round = 0; round < 3; round++) {
      const pair = [
        await admin.registerUser({ role: 'admin', label: `pair_a${round}` }),
        await admin.registerUser({ role: 'admin', label: `pair_b${round}` }),
      ]
      await onlyAdmins(...pair)
      const actor = await admin.tokenFor('admin')
      const answers = await Promise.all(
        pair.map((user) => client.patch(user.id, { role: 'user' }, actor)),
      )
      expect(answers.map((res) => res.status).sort()).toEqual([200, 422])
      const refused = answers.find((res) => res.status === 422)!
      expect((await json(refused)).code).toBe('last-admin')
      const admins = await admin.request('/api/admin/users?role=admin&status=active', {
        token: actor,
      })
      expect((await json(admins)).items).toHaveLength(1)
    }
  })
})

describe('revocation marks after a Redis loss', () => {
  let admin: AdminHarness
  let client: ReturnType<typeof clientOf>

  // A Redis database of its own: the test removes admin's "complete" key, which every other test
  // file on database 0 relies on.
  beforeAll(async () => {
    admin = await startAdmin({
      env: {
        REDIS_URL: process.env.TEST_ADMIN_REVOCATION_REDIS_URL ?? 'redis://127.0.0.1:6379/8',
      },
    })
    client = clientOf(admin)
  })

  afterAll(async () => {
    await admin?.close()
  })

  it('restores the marks of role changes, deletions and bans from the audit log', async () => {
    const chief = await admin.registerUser({ role: 'admin', label: 'chief' })
    const promoted = await admin.registerUser({ label: 'promoted' })
    const deleted = await admin.registerUser({ label: 'deleted' })
    const banned = await admin.registerUser({ label: 'banned' })
    expect((await client.patch(promoted.id, { role: 'moderator' }, chief.token)).status).toBe(200)
    expect((await client.patch(deleted.id, { status: 'deleted' }, chief.token)).status).toBe(200)
    expect((await client.patch(banned.id, { status: 'banned' }, chief.token)).status).toBe(200)
    const users = [promoted, deleted, banned]
    const redis = admin.ctx.redis
    admin.onClose(async () => {
      await redis.del(...users.map((user) => revocationKeys.user(user.id)))
    })
    const written = await Promise.all(users.map((user) => client.mark(user.id)))
    expect(written).not.toContain(null)

    await redis.del(
      revocationKeys.complete('admin'),
      ...users.map((u) => revocationKeys.user(u.id)),
    )
    expect((await admin.request('/api/admin/users', { token: chief.token })).status).toBe(503)

    await eventually(async () => {
      expect(await redis.exists(revocationKeys.complete('admin'))).toBe(1)
    }, 10_000)
    expect(await Promise.all(users.map((user) => client.mark(user.id)))).toEqual(written)
    expect((await admin.request('/api/admin/users', { token: promoted.token })).status).toBe(401)
    expect((await admin.request('/api/admin/users', { token: chief.token })).status).toBe(200)
  })
})
