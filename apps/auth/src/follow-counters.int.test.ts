import { Followed, Unfollowed } from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { LockMode } from '@mikro-orm/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { User } from './entities/user.entity.js'
import { type AuthHarness, login, registerVerified, startAuth } from './test/harness.js'

let auth: AuthHarness

beforeAll(async () => {
  // Several messages at once, so follow events of the same accounts are applied concurrently.
  auth = await startAuth({ prefetch: 16 })
})

afterAll(async () => {
  await auth?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

async function verifiedAccounts(count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const user = await registerVerified(auth, `c${index}`)
      const { body } = await login(auth, user.username, user.password)
      return { ...user, id: (body.user as { id: string }).id, token: body.accessToken }
    }),
  )
}

async function counters(token: string) {
  const me = await json(await auth.request('/api/auth/me', { token }))
  return { followers: me.followersCount, following: me.followingCount }
}

/** Backends of this test's database waiting for a lock (a system view, hence plain SQL). */
async function lockWaits(): Promise<number> {
  const { rows } = await sql<{ waiting: number }>`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`.execute(
    auth.ctx.orm.em.fork().getKysely(),
  )
  return rows[0]?.waiting ?? 0
}

describe('follow counters under concurrency', () => {
  it('applies follows in both directions at once without failing a login of either account', async () => {
    const [a, b] = (await verifiedAccounts(2)) as [
      Awaited<ReturnType<typeof verifiedAccounts>>[number],
      Awaited<ReturnType<typeof verifiedAccounts>>[number],
    ]
    // Both accounts are held while the two follows queue up on them, then a login of one joins
    // the queue; releasing them lets all three run into each other at once.
    const holder = auth.ctx.orm.em.fork()
    await holder.begin()
    let released = false
    try {
      await holder.find(
        User,
        { id: { $in: [a.id, b.id] } },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      )
      const at = new Date().toISOString()
      const follows = [
        await auth.publish(Followed, { followerId: a.id, followeeId: b.id, at }),
        await auth.publish(Followed, { followerId: b.id, followeeId: a.id, at }),
      ]
      await eventually(async () => expect(await lockWaits()).toBe(2), 5_000)
      const loggingIn = login(auth, a.username, a.password)
      await eventually(async () => expect(await lockWaits()).toBe(3), 5_000)
      await holder.commit()
      released = true

      expect((await loggingIn).res.status).toBe(200)
      await auth.consumed(...follows.map((envelope) => envelope.id))
    } finally {
      if (!released) await holder.rollback()
    }
    expect(await counters(a.token)).toEqual({ followers: 1, following: 1 })
    expect(await counters(b.token)).toEqual({ followers: 1, following: 1 })
  })

  it('counts exactly while many follows and unfollows of the same accounts are applied at once', async () => {
    const accounts = await verifiedAccounts(4)
    // Every account follows every other one; each pair flips back and forth and ends following.
    const start = Date.now() - 60_000
    const events = accounts.flatMap((follower) =>
      accounts
        .filter((followee) => followee.id !== follower.id)
        .flatMap((followee) =>
          [Followed, Unfollowed, Followed, Unfollowed, Followed].map(
            (definition, step) =>
              [
                definition,
                {
                  followerId: follower.id,
                  followeeId: followee.id,
                  at: new Date(start + step).toISOString(),
                },
              ] as const,
          ),
        ),
    )
    events.sort(() => Math.random() - 0.5)

    // Each account keeps logging in until every follow event is applied.
    let applying = true
    const logins = Promise.all(
      accounts.map(async (account) => {
        const statuses: number[] = []
        while (applying) {
          statuses.push((await login(auth, account.username, account.password)).res.status)
        }
        return statuses
      }),
    )
    try {
      const published = await Promise.all(
        events.map(([definition, data]) => auth.publish(definition, data)),
      )
      await auth.consumed(...published.map((envelope) => envelope.id))
    } finally {
      applying = false
    }

    expect((await logins).flat().filter((status) => status !== 200)).toEqual([])
    for (const account of accounts) {
      expect(await counters(account.token)).toEqual({
        followers: accounts.length - 1,
        following: accounts.length - 1,
      })
    }
    expect(await auth.deadLetterCount()).toBe(0)
  })
})
