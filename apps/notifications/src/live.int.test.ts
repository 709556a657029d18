import { Followed, PostLiked } from '@chatty/contracts'
import type { ServerSentEvent } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import { listeningUsers } from './domain/live-delivery.js'
import { type NotificationsHarness, type Replica, startNotifications } from './test/harness.js'

let n: NotificationsHarness

beforeAll(async () => {
  n = await startNotifications()
})

afterAll(async () => {
  await n?.close()
})

const isEvent = (name: string) => (event: ServerSentEvent) => event.event === name
const countIs = (count: number) => (event: ServerSentEvent) =>
  event.event === 'unread-count' && (event.data as { count: number }).count === count

describe('GET /api/notifications/stream', () => {
  it('sends the unread count, then each notification and the new count, and heartbeats', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const { response, stream } = await n.openStream({ token: a.token })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await stream?.next(countIs(0))

    await n.deliver(Followed, { followerId: b.id, followeeId: a.id, at: new Date().toISOString() })
    const notification = await stream?.next(isEvent('notification'))
    expect(notification?.data).toEqual((await n.list(a)).items[0])
    expect(notification?.data).toMatchObject({ type: 'follow', actor: { id: b.id } })
    await stream?.next(countIs(1))

    await n.request('/api/notifications/read-all', { method: 'POST', token: a.token })
    await stream?.next(countIs(0))
    await stream?.next(isEvent('comment'))
  })

  it('answers 401 without a token or ticket, and with a bad token', async () => {
    expect((await n.openStream({ ticket: '' })).response.status).toBe(401)
    expect((await n.openStream({ token: 'garbage' })).response.status).toBe(401)
  })
})

describe('stream tickets', () => {
  it('open the stream once: a used or unknown ticket is 401', async () => {
    const a = await n.registerUser('a')
    const issued = await n.request('/api/notifications/stream-ticket', {
      method: 'POST',
      token: a.token,
    })
    expect(issued.status).toBe(201)
    const { ticket, expiresIn } = (await issued.json()) as { ticket: string; expiresIn: number }
    expect(expiresIn).toBe(60)
    const first = await n.openStream({ ticket })
    expect(first.response.status).toBe(200)
    await first.stream?.next(countIs(0))
    expect((await n.openStream({ ticket })).response.status).toBe(401)
    expect((await n.openStream({ ticket: 'x'.repeat(43) })).response.status).toBe(401)
  })

  it('a ticket of a session revoked since does not open the stream', async () => {
    const a = await n.registerUser('a')
    const issued = await n.request('/api/notifications/stream-ticket', {
      method: 'POST',
      token: a.token,
    })
    const { ticket } = (await issued.json()) as { ticket: string }
    await n.revokeSession(a)
    expect((await n.openStream({ ticket })).response.status).toBe(401)
  })
})

describe('revocation while connected', () => {
  it('ends the stream of a user who is banned', async () => {
    const a = await n.registerUser('a')
    const { stream } = await n.openStream({ token: a.token })
    await stream?.next(countIs(0))
    await n.blockUser(a)
    await expect(stream?.ended).resolves.toBeUndefined()
  })

  it('ends the stream of a session that is revoked, not the user’s other sessions', async () => {
    const a = await n.registerUser('a')
    const other = await n.issuer.sign({ id: a.id, username: a.username })
    const revoked = await n.openStream({ token: a.token })
    const kept = await n.openStream({ token: other })
    await revoked.stream?.next(countIs(0))
    await kept.stream?.next(countIs(0))
    await n.revokeSession(a)
    await revoked.stream?.ended
    const b = await n.registerUser('b')
    await n.deliver(Followed, { followerId: b.id, followeeId: a.id, at: new Date().toISOString() })
    await kept.stream?.next(isEvent('notification'))
  })
})

describe('two replicas', () => {
  let replica: Replica

  beforeAll(async () => {
    replica = await n.startReplica()
  })

  afterAll(async () => {
    await replica?.close()
  })

  it('a stream on one replica receives what the other consumed', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const postId = await n.createPost(a)
    const openOnFirst = n.ctx.streams.count()
    const { stream } = await n.openStream({ token: a.token }, replica.app)
    await stream?.next(countIs(0))
    expect(replica.ctx.streams.count()).toBe(1)
    expect(n.ctx.streams.count()).toBe(openOnFirst)
    // Only the first replica consumes: the second's consumer was never started.
    await n.deliver(PostLiked, {
      postId,
      postAuthorId: a.id,
      userId: b.id,
      at: new Date().toISOString(),
    })
    const event = await stream?.next(isEvent('notification'))
    expect(event?.data).toMatchObject({ type: 'like', actor: { id: b.id }, post: { id: postId } })
    await stream?.next(countIs(1))
  })

  it('counts a user as listening while a stream of theirs is open on any replica', async () => {
    const [a, b] = [await n.registerUser('a'), await n.registerUser('b')]
    const { stream } = await n.openStream({ token: a.token }, replica.app)
    await stream?.next(countIs(0))
    // Only the listeners' changes are read and published; everyone else's cost no query.
    expect(await listeningUsers(n.ctx.redis, [a.id, b.id])).toEqual(new Set([a.id]))
    await stream?.close()
    await vi.waitFor(async () => {
      expect(await listeningUsers(n.ctx.redis, [a.id, b.id])).toEqual(new Set())
    })
  })
})
