import { PostCreated, PostDeleted, UserDeleted, UserRoleChanged, uuidv7 } from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type AdminHarness, type KnownUser, startAdmin } from './test/harness.js'

let admin: AdminHarness
let chief: KnownUser
let moderator: KnownUser

beforeAll(async () => {
  admin = await startAdmin()
  chief = await admin.registerUser({ role: 'admin', label: 'chief' })
  moderator = await admin.registerUser({ role: 'moderator', label: 'mod' })
})

afterAll(async () => {
  await admin?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

function ban(target: string, body: unknown, token = moderator.token) {
  return admin.request(`/api/admin/users/${target}/ban`, { body, token })
}

function unban(target: string, token = moderator.token) {
  return admin.request(`/api/admin/users/${target}/unban`, { method: 'POST', token })
}

async function auditOf(targetId: string, token = chief.token) {
  const res = await admin.request(`/api/admin/audit-log?targetId=${targetId}`, { token })
  expect(res.status).toBe(200)
  return (await json(res)).items as Record<string, any>[]
}

function outboxCount(type: string, key: string, value: string) {
  return admin.ctx.orm.em
    .fork()
    .getConnection()
    .execute<{ n: number }[]>(
      `select count(*)::int as n from outbox
       where type = ? and envelope->'data'->>? = ?`,
      [type, key, value],
    )
    .then(([row]) => row?.n ?? 0)
}

describe('ban', () => {
  it('bans a user, announces UserBanned and writes the audit row', async () => {
    const user = await admin.registerUser()
    const res = await ban(user.id, { reason: 'spam links' })
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body).toMatchObject({
      id: user.id,
      status: 'banned',
      banReason: 'spam links',
      bannedUntil: null,
    })
    expect(Date.parse(body.bannedAt)).toBeGreaterThan(Date.now() - 60_000)

    const event = await admin.events.next(
      (m) => m.body.type === 'UserBanned' && m.body.data.userId === user.id,
    )
    expect(event.routingKey).toBe('user.banned')
    expect(event.body.producer).toBe('admin')
    expect(event.body.data).toEqual({
      userId: user.id,
      reason: 'spam links',
      bannedBy: moderator.id,
      bannedAt: body.bannedAt,
      until: null,
    })

    const [entry] = await auditOf(user.id)
    expect(entry).toMatchObject({
      actorId: moderator.id,
      action: 'user.ban',
      targetType: 'user',
      targetId: user.id,
      detail: { reason: 'spam links', durationHours: null, until: null, previousStatus: 'active' },
    })
    expect(
      (await json(await admin.request(`/api/admin/users/${user.id}`, { token: moderator.token })))
        .status,
    ).toBe('banned')
  })

  it('bans for a number of hours when asked', async () => {
    const user = await admin.registerUser()
    const res = await ban(user.id, { reason: 'cool off', durationHours: 24 })
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(Date.parse(body.bannedUntil) - Date.parse(body.bannedAt)).toBe(24 * 3_600_000)
    const event = await admin.events.next(
      (m) => m.body.type === 'UserBanned' && m.body.data.userId === user.id,
    )
    expect(event.body.data.until).toBe(body.bannedUntil)
  })

  it.each([
    ['a missing reason', {}],
    ['an empty reason', { reason: '   ' }],
    ['a reason over 500 characters', { reason: 'x'.repeat(501) }],
    ['a zero duration', { reason: 'spam', durationHours: 0 }],
    ['a duration over a year', { reason: 'spam', durationHours: 8761 }],
    ['a fractional duration', { reason: 'spam', durationHours: 1.5 }],
    ['an unknown field', { reason: 'spam', status: 'banned' }],
  ])('answers 422 for %s', async (_case, body) => {
    const user = await admin.registerUser()
    const res = await ban(user.id, body)
    expect(res.status).toBe(422)
    expect((await json(res)).code).toBe('validation-failed')
    expect(await outboxCount('UserBanned', 'userId', user.id)).toBe(0)
  })

  it('answers 422 without a body and 415 for a body that is not JSON', async () => {
    const user = await admin.registerUser()
    const empty = await admin.request(`/api/admin/users/${user.id}/ban`, {
      method: 'POST',
      token: moderator.token,
    })
    expect(empty.status).toBe(422)
    const text = await admin.app.request(`/api/admin/users/${user.id}/ban`, {
      method: 'POST',
      headers: { authorization: `Bearer ${moderator.token}`, 'content-type': 'text/plain' },
      body: 'reason=spam',
    })
    expect(text.status).toBe(415)
  })

  it('answers 404 for a user it does not know', async () => {
    const res = await ban(uuidv7(), { reason: 'spam' })
    expect(res.status).toBe(404)
    expect((await json(res)).code).toBe('not-found')
  })

  it('refuses banning yourself with 422', async () => {
    const res = await ban(moderator.id, { reason: 'oops' })
    expect(res.status).toBe(422)
    expect((await json(res)).code).toBe('cannot-ban-self')
  })

  it('refuses banning an admin with 403, for moderators and admins alike', async () => {
    const otherAdmin = await admin.registerUser({ role: 'admin' })
    for (const token of [moderator.token, chief.token]) {
      const res = await ban(otherAdmin.id, { reason: 'coup' }, token)
      expect(res.status).toBe(403)
      expect((await json(res)).code).toBe('forbidden')
    }
    expect(await outboxCount('UserBanned', 'userId', otherAdmin.id)).toBe(0)
    expect(await auditOf(otherAdmin.id)).toEqual([])
  })

  it('lets only an admin ban a moderator', async () => {
    const otherModerator = await admin.registerUser({ role: 'moderator' })
    const byModerator = await ban(otherModerator.id, { reason: 'abuse of power' })
    expect(byModerator.status).toBe(403)
    const byAdmin = await ban(otherModerator.id, { reason: 'abuse of power' }, chief.token)
    expect(byAdmin.status).toBe(200)
    expect((await json(byAdmin)).status).toBe('banned')
  })

  it('judges the target by the role the projection holds now', async () => {
    const promoted = await admin.registerUser()
    await admin.publish(
      UserRoleChanged,
      { userId: promoted.id, role: 'admin', changedBy: chief.id },
      { producer: 'admin' },
    )
    await eventually(async () => {
      const res = await admin.request(`/api/admin/users/${promoted.id}`, {
        token: moderator.token,
      })
      expect((await json(res)).role).toBe('admin')
    })
    expect((await ban(promoted.id, { reason: 'spam' })).status).toBe(403)
  })

  it('refuses banning a deleted account with 422', async () => {
    const user = await admin.registerUser()
    await admin.deliver(UserDeleted, { userId: user.id })
    const res = await ban(user.id, { reason: 'spam' })
    expect(res.status).toBe(422)
    expect((await json(res)).code).toBe('user-deleted')
  })
})

describe('unban', () => {
  it('restores the user, announces UserUnbanned and writes the audit row', async () => {
    const user = await admin.registerUser()
    expect((await ban(user.id, { reason: 'spam', durationHours: 2 })).status).toBe(200)

    const res = await unban(user.id)
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({
      id: user.id,
      status: 'active',
      bannedAt: null,
      banReason: null,
      bannedUntil: null,
    })
    const event = await admin.events.next(
      (m) => m.body.type === 'UserUnbanned' && m.body.data.userId === user.id,
    )
    expect(event.routingKey).toBe('user.unbanned')
    expect(event.body.data).toEqual({
      userId: user.id,
      unbannedBy: moderator.id,
      unbannedAt: expect.any(String),
    })
    const entries = await auditOf(user.id)
    expect(entries.map((entry) => entry.action)).toEqual(['user.unban', 'user.ban'])
    expect(entries[0]).toMatchObject({
      actorId: moderator.id,
      detail: { lifted: { reason: 'spam' } },
    })
  })

  it('answers 200 for a user who is not banned, with no event and no audit row', async () => {
    const user = await admin.registerUser()
    const res = await unban(user.id)
    expect(res.status).toBe(200)
    expect((await json(res)).status).toBe('active')
    expect(await outboxCount('UserUnbanned', 'userId', user.id)).toBe(0)
    expect(await auditOf(user.id)).toEqual([])
  })

  it('answers 404 for a user it does not know', async () => {
    expect((await unban(uuidv7())).status).toBe(404)
  })
})

describe('post takedown', () => {
  async function knownPost() {
    const postId = uuidv7()
    const authorId = uuidv7()
    await admin.deliver(
      PostCreated,
      {
        postId,
        authorId,
        content: 'buy now',
        title: null,
        tags: [],
        mentions: [],
        visibility: 'public',
        createdAt: new Date().toISOString(),
      },
      { producer: 'posts' },
    )
    return { postId, authorId }
  }

  it('accepts the takedown, asks posts to remove the post and audits it', async () => {
    const { postId, authorId } = await knownPost()
    const res = await admin.request(`/api/admin/posts/${postId}`, {
      method: 'DELETE',
      body: { reason: 'scam' },
      token: moderator.token,
    })
    expect(res.status).toBe(202)
    expect(await json(res)).toEqual({ status: 'accepted' })
    const event = await admin.events.next(
      (m) => m.body.type === 'PostTakedownRequested' && m.body.data.postId === postId,
    )
    expect(event.routingKey).toBe('post.takedown_requested')
    expect(event.body.data).toEqual({ postId, reason: 'scam', requestedBy: moderator.id })
    const [entry] = await auditOf(postId)
    expect(entry).toMatchObject({
      action: 'post.takedown',
      targetType: 'post',
      actorId: moderator.id,
      detail: { reason: 'scam', authorId },
    })
  })

  it('needs no body', async () => {
    const { postId } = await knownPost()
    const res = await admin.request(`/api/admin/posts/${postId}`, {
      method: 'DELETE',
      token: chief.token,
    })
    expect(res.status).toBe(202)
    const event = await admin.events.next(
      (m) => m.body.type === 'PostTakedownRequested' && m.body.data.postId === postId,
    )
    expect(event.body.data).toMatchObject({ reason: '', requestedBy: chief.id })
  })

  it('answers 404 for an unknown post', async () => {
    const res = await admin.request(`/api/admin/posts/${uuidv7()}`, {
      method: 'DELETE',
      token: moderator.token,
    })
    expect(res.status).toBe(404)
    expect((await json(res)).code).toBe('not-found')
  })

  it('answers 404 for a deleted post, even when the deletion overtook the creation', async () => {
    const { postId, authorId } = await knownPost()
    const deletion = { authorId, deletedBy: authorId, deletedAt: new Date().toISOString() }
    await admin.deliver(PostDeleted, { postId, ...deletion }, { producer: 'posts' })

    const early = uuidv7()
    const deleted = await admin.publish(
      PostDeleted,
      { postId: early, ...deletion },
      { producer: 'posts' },
    )
    const created = await admin.publish(
      PostCreated,
      {
        postId: early,
        authorId,
        content: 'late',
        title: null,
        tags: [],
        mentions: [],
        visibility: 'public',
        createdAt: new Date().toISOString(),
      },
      { producer: 'posts' },
    )
    await admin.consumed(deleted.id, created.id)
    for (const id of [postId, early]) {
      const res = await admin.request(`/api/admin/posts/${id}`, {
        method: 'DELETE',
        token: moderator.token,
      })
      expect(res.status).toBe(404)
    }
  })
})

describe('audit log', () => {
  it('is for admins only', async () => {
    const res = await admin.request('/api/admin/audit-log', { token: moderator.token })
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('forbidden')
  })

  it('lists every action newest first with a cursor', async () => {
    const user = await admin.registerUser()
    await ban(user.id, { reason: 'one' })
    await unban(user.id)
    await ban(user.id, { reason: 'two' })

    const first = await json(
      await admin.request(`/api/admin/audit-log?targetId=${user.id}&limit=2`, {
        token: chief.token,
      }),
    )
    expect(first.items.map((entry: { action: string }) => entry.action)).toEqual([
      'user.ban',
      'user.unban',
    ])
    expect(first.items[0].detail.reason).toBe('two')
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await json(
      await admin.request(
        `/api/admin/audit-log?targetId=${user.id}&limit=2&cursor=${first.nextCursor}`,
        { token: chief.token },
      ),
    )
    expect(
      second.items.map((entry: { detail: { reason?: string } }) => entry.detail.reason),
    ).toEqual(['one'])
    expect(second.nextCursor).toBeNull()

    const all = await json(await admin.request('/api/admin/audit-log', { token: chief.token }))
    const times = all.items.map((entry: { at: string }) => Date.parse(entry.at))
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })
})
