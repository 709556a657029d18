import { inTransaction } from '@chatty/db'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { liftExpiredBans } from './domain/ban-expiry.js'
import { type AdminHarness, type KnownUser, startAdmin } from './test/harness.js'

const HOUR_MS = 3_600_000

// The service's clock runs this far ahead of the real one, so a test can let hours pass.
let skewMs = 0
const clock = () => new Date(Date.now() + skewMs)

let admin: AdminHarness
let chief: KnownUser
let moderator: KnownUser

beforeAll(async () => {
  admin = await startAdmin({ clock, env: { BAN_EXPIRY_INTERVAL_MS: '100' } })
  chief = await admin.registerUser({ role: 'admin', label: 'chief' })
  moderator = await admin.registerUser({ role: 'moderator', label: 'mod' })
})

afterAll(async () => {
  await admin?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

async function ban(target: string, body: { reason: string; durationHours?: number }) {
  const res = await admin.request(`/api/admin/users/${target}/ban`, {
    body,
    token: moderator.token,
  })
  expect(res.status).toBe(200)
  return json(res)
}

async function statusOf(id: string): Promise<string> {
  const res = await admin.request(`/api/admin/users/${id}`, { token: moderator.token })
  expect(res.status).toBe(200)
  return (await json(res)).status as string
}

async function auditOf(targetId: string) {
  const res = await admin.request(`/api/admin/audit-log?targetId=${targetId}`, {
    token: chief.token,
  })
  expect(res.status).toBe(200)
  return (await json(res)).items as Record<string, any>[]
}

function unbannedEvents(userId: string): Promise<number> {
  return admin.ctx.orm.em
    .fork()
    .getConnection()
    .execute<{ n: number }[]>(
      `select count(*)::int as n from outbox
       where type = 'UserUnbanned' and envelope->'data'->>'userId' = ?`,
      [userId],
    )
    .then(([row]) => row?.n ?? 0)
}

describe('ban expiry', () => {
  it('lifts a temporary ban once it ends, announced as unbanned by nobody', async () => {
    const temporary = await admin.registerUser({ label: 'brief' })
    const longer = await admin.registerUser({ label: 'longer' })
    const permanent = await admin.registerUser({ label: 'forever' })
    const banned = await ban(temporary.id, { reason: 'cool off', durationHours: 1 })
    await ban(longer.id, { reason: 'cool off longer', durationHours: 48 })
    await ban(permanent.id, { reason: 'spam' })

    skewMs += HOUR_MS + 60_000

    await eventually(async () => {
      expect(await statusOf(temporary.id)).toBe('active')
    }, 5_000)
    const res = await admin.request(`/api/admin/users/${temporary.id}`, { token: moderator.token })
    expect(await json(res)).toMatchObject({
      status: 'active',
      bannedAt: null,
      banReason: null,
      bannedUntil: null,
    })

    const event = await admin.events.next(
      (m) => m.body.type === 'UserUnbanned' && m.body.data.userId === temporary.id,
    )
    expect(event.routingKey).toBe('user.unbanned')
    expect(event.body.producer).toBe('admin')
    expect(event.body.data).toEqual({
      userId: temporary.id,
      unbannedBy: null,
      unbannedAt: expect.any(String),
    })
    expect(Date.parse(event.body.data.unbannedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(banned.bannedUntil),
    )

    const [entry] = await auditOf(temporary.id)
    expect(entry).toMatchObject({
      actorId: null,
      action: 'user.unban',
      targetType: 'user',
      targetId: temporary.id,
      detail: {
        expired: true,
        lifted: { reason: 'cool off', bannedAt: banned.bannedAt, until: banned.bannedUntil },
      },
    })

    // Bans are lifted in one pass, so these two were looked at in the pass that freed the first.
    expect(await statusOf(longer.id)).toBe('banned')
    expect(await statusOf(permanent.id)).toBe('banned')
    expect(await unbannedEvents(longer.id)).toBe(0)
    expect(await unbannedEvents(permanent.id)).toBe(0)
  })

  it('lifts each ended ban exactly once when several instances run at the same time', async () => {
    const users = await Promise.all(
      Array.from({ length: 5 }, (_, i) => admin.registerUser({ label: `race${i}` })),
    )
    for (const user of users) await ban(user.id, { reason: 'race', durationHours: 1 })

    // Only these instances see the bans as ended; the service's own job is still an hour behind.
    const later = () => new Date(clock().getTime() + 2 * HOUR_MS)
    const lifted = await Promise.all(
      Array.from({ length: 4 }, () =>
        inTransaction(admin.ctx.orm.em, (em) =>
          liftExpiredBans(em, { clock: later }, { batchSize: 2 }),
        ),
      ),
    )

    expect(lifted.reduce((sum, n) => sum + n, 0)).toBe(5)
    for (const user of users) {
      expect(await statusOf(user.id)).toBe('active')
      expect(await unbannedEvents(user.id)).toBe(1)
      expect((await auditOf(user.id)).map((entry) => entry.action)).toEqual([
        'user.unban',
        'user.ban',
      ])
    }
  })

  it('leaves a user who was unbanned by hand before the end alone', async () => {
    const user = await admin.registerUser({ label: 'early' })
    await ban(user.id, { reason: 'cool off', durationHours: 1 })
    const res = await admin.request(`/api/admin/users/${user.id}/unban`, {
      method: 'POST',
      token: moderator.token,
    })
    expect(res.status).toBe(200)

    await inTransaction(admin.ctx.orm.em, (em) =>
      liftExpiredBans(em, { clock: () => new Date(clock().getTime() + 2 * HOUR_MS) }),
    )
    expect(await unbannedEvents(user.id)).toBe(1)
    const [entry] = await auditOf(user.id)
    expect(entry).toMatchObject({ action: 'user.unban', actorId: moderator.id })
  })
})
