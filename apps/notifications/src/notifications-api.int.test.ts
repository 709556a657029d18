import { Followed, PostLiked, uuidv7 } from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type NotificationsHarness, startNotifications, type TestUser } from './test/harness.js'

let n: NotificationsHarness

beforeAll(async () => {
  n = await startNotifications()
})

afterAll(async () => {
  await n?.close()
})

/** `count` likes of a's post by fresh users, one after the other; answers the likers. */
async function likes(a: TestUser, count: number): Promise<TestUser[]> {
  const postId = await n.createPost(a)
  const likers: TestUser[] = []
  for (let index = 0; index < count; index++) {
    const liker = await n.registerUser('l')
    likers.push(liker)
    await n.deliver(PostLiked, {
      postId,
      postAuthorId: a.id,
      userId: liker.id,
      at: new Date(Date.now() + index).toISOString(),
    })
  }
  return likers
}

describe('GET /api/notifications', () => {
  it('pages newest first with a cursor, and filters by type and unread', async () => {
    const a = await n.registerUser('a')
    const likers = await likes(a, 3)
    const follower = await n.registerUser('f')
    await n.deliver(Followed, {
      followerId: follower.id,
      followeeId: a.id,
      at: new Date(Date.now() + 10).toISOString(),
    })

    const first = await n.list(a, '?limit=2')
    expect(first.items.map((item) => item.actor?.id)).toEqual([follower.id, likers[2]?.id])
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await n.list(a, `?limit=2&cursor=${first.nextCursor}`)
    expect(second.items.map((item) => item.actor?.id)).toEqual([likers[1]?.id, likers[0]?.id])
    expect(second.nextCursor).toBeNull()

    const onlyLikes = await n.list(a, '?type=like')
    expect(onlyLikes.items.map((item) => item.type)).toEqual(['like', 'like', 'like'])

    const readOne = first.items[1]?.id
    expect(
      (await n.request(`/api/notifications/${readOne}/read`, { method: 'POST', token: a.token }))
        .status,
    ).toBe(200)
    const unread = await n.list(a, '?unread=true')
    expect(unread.items.map((item) => item.id)).not.toContain(readOne)
    expect(unread.items).toHaveLength(3)
  })

  it('answers 422 for an unknown type, 400 for a bad cursor and 401 without a token', async () => {
    const a = await n.registerUser('a')
    const res = await n.request('/api/notifications?type=poke', { token: a.token })
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ code: 'validation-failed' })
    expect((await n.request('/api/notifications?cursor=nonsense', { token: a.token })).status).toBe(
      400,
    )
    expect((await n.request('/api/notifications')).status).toBe(401)
  })
})

describe('reading and deleting', () => {
  it('mark one read answers the notification, read and with the count one lower', async () => {
    const a = await n.registerUser('a')
    await likes(a, 2)
    const [item] = (await n.list(a)).items
    const res = await n.request(`/api/notifications/${item?.id}/read`, {
      method: 'POST',
      token: a.token,
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ...item, read: true })
    expect(await n.unreadCount(a)).toBe(1)
    // Again: still read, the count unchanged.
    await n.request(`/api/notifications/${item?.id}/read`, { method: 'POST', token: a.token })
    expect(await n.unreadCount(a)).toBe(1)
  })

  it('read-all answers how many were unread and zeroes the count', async () => {
    const a = await n.registerUser('a')
    await likes(a, 3)
    const res = await n.request('/api/notifications/read-all', { method: 'POST', token: a.token })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ updated: 3 })
    expect(await n.unreadCount(a)).toBe(0)
    expect((await n.list(a)).items.every((item) => item.read)).toBe(true)
  })

  it('delete removes it (204) and lowers the count when it was unread', async () => {
    const a = await n.registerUser('a')
    await likes(a, 2)
    const [item] = (await n.list(a)).items
    const res = await n.request(`/api/notifications/${item?.id}`, {
      method: 'DELETE',
      token: a.token,
    })
    expect(res.status).toBe(204)
    expect((await n.list(a)).items.map((entry) => entry.id)).not.toContain(item?.id)
    expect(await n.unreadCount(a)).toBe(1)
  })

  it('someone else’s notification, an unknown one and a malformed id are 404', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    await likes(a, 1)
    const [item] = (await n.list(a)).items
    for (const id of [item?.id, uuidv7(), 'not-an-id']) {
      const read = await n.request(`/api/notifications/${id}/read`, {
        method: 'POST',
        token: b.token,
      })
      expect(read.status).toBe(404)
      const deleted = await n.request(`/api/notifications/${id}`, {
        method: 'DELETE',
        token: b.token,
      })
      expect(deleted.status).toBe(404)
    }
    expect((await n.list(a)).items).toEqual([item])
    expect(await n.unreadCount(a)).toBe(1)
  })

  it('keeps the count exact when likes arrive while read-all runs', async () => {
    const a = await n.registerUser('a')
    const postId = await n.createPost(a)
    const likers = await Promise.all(Array.from({ length: 12 }, () => n.registerUser('l')))
    const published = likers.map((liker) =>
      n.publish(PostLiked, {
        postId,
        postAuthorId: a.id,
        userId: liker.id,
        at: new Date().toISOString(),
      }),
    )
    const reads = Array.from({ length: 4 }, () =>
      n.request('/api/notifications/read-all', { method: 'POST', token: a.token }),
    )
    const envelopes = await Promise.all(published)
    await Promise.all(reads)
    await n.consumed(...envelopes.map((envelope) => envelope.id))
    const unreadListed = (await n.list(a, '?unread=true&limit=100')).items.length
    expect(await n.unreadCount(a)).toBe(unreadListed)
  })
})

describe('OpenAPI', () => {
  it('documents every route of the notifications table', async () => {
    const res = await n.request('/api/notifications/openapi.json')
    const doc = (await res.json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/notifications',
        '/api/notifications/unread-count',
        '/api/notifications/{id}/read',
        '/api/notifications/read-all',
        '/api/notifications/{id}',
        '/api/notifications/stream-ticket',
        '/api/notifications/stream',
      ]),
    )
  })
})
