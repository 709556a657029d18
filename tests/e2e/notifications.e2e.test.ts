import { randomUUID } from 'node:crypto'

import { type EventStreamReader, eventually, readEventStream } from '@chatty/testing'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'

import { findAdminUser, loginAdmin } from './support/admin.js'
import {
  baseUrl,
  type Comment,
  del,
  expectJson,
  expectProblem,
  type Page,
  post,
  request,
} from './support/api.js'
import {
  eventTimeoutMs,
  type Member,
  publish,
  registerMember,
  startFollowing,
} from './support/social.js'

/** API.md: a notification reaches an open stream within a second; the rest covers the polling. */
const liveWindowMs = 1_500

interface Notification {
  id: string
  type: string
  actor: { id: string; username: string } | null
  post: { id: string; excerpt: string } | null
  comment: { id: string; excerpt: string } | null
  read: boolean
}

const opened: EventStreamReader[] = []

afterEach(async () => {
  for (const stream of opened.splice(0)) await stream.close()
})

/** Opens the stream through nginx, with the token in the header or a ticket in the URL. */
async function openStream(
  path: string,
  token?: string,
): Promise<{ status: number; stream?: EventStreamReader }> {
  const response = await fetch(`${baseUrl}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel()
    return { status: response.status }
  }
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const stream = readEventStream(response.body)
  opened.push(stream)
  return { status: 200, stream }
}

async function streamOf(member: Member): Promise<EventStreamReader> {
  const { status, stream } = await openStream('/api/notifications/stream', member.token)
  expect(status).toBe(200)
  if (!stream) throw new Error('no stream')
  await stream.next((event) => event.event === 'unread-count')
  return stream
}

async function notificationsOf(member: Member, query = ''): Promise<Notification[]> {
  return expectJson<Page<Notification>>(
    await request(`/api/notifications${query}`, { token: member.token }),
    200,
  ).items
}

async function unreadCount(member: Member): Promise<number> {
  return expectJson<{ count: number }>(
    await request('/api/notifications/unread-count', { token: member.token }),
    200,
  ).count
}

/** Waits until `member` has a notification of `type` by `actor`; answers it. */
function waitForNotification(member: Member, type: string, actor: Member): Promise<Notification> {
  return eventually(async () => {
    const found = (await notificationsOf(member)).find(
      (item) => item.type === type && item.actor?.id === actor.id,
    )
    if (!found) throw new Error(`${member.username} has no ${type} by ${actor.username} yet`)
    return found
  }, eventTimeoutMs)
}

let adminToken: string

beforeAll(async () => {
  adminToken = await loginAdmin()
})

describe('the notifications stream through nginx', () => {
  it('B follows A: A’s stream receives the follow within a second and the count becomes 1', async () => {
    const [a, b] = [await registerMember(), await registerMember()]
    const stream = await streamOf(a)

    await startFollowing(b, a.username)

    const event = await stream.next((next) => next.event === 'notification', liveWindowMs)
    expect(event.data).toMatchObject({
      type: 'follow',
      actor: { id: b.id, username: b.username },
      read: false,
    })
    await stream.next(
      (next) => next.event === 'unread-count' && (next.data as { count: number }).count === 1,
      liveWindowMs,
    )
    expect(await unreadCount(a)).toBe(1)
  })

  it('opens with a ticket once: the same ticket again is 401', async () => {
    const a = await registerMember()
    const issued = expectJson<{ ticket: string; expiresIn: number }>(
      await post('/api/notifications/stream-ticket', undefined, { token: a.token }),
      201,
    )
    expect(issued.expiresIn).toBe(60)
    const path = `/api/notifications/stream?ticket=${issued.ticket}`
    const first = await openStream(path)
    expect(first.status).toBe(200)
    await first.stream?.next((event) => event.event === 'unread-count')
    expect((await openStream(path)).status).toBe(401)
    expect((await openStream('/api/notifications/stream')).status).toBe(401)
  })

  it('closes the stream of a user who is then banned', async () => {
    const a = await registerMember()
    await findAdminUser(adminToken, a.username)
    const stream = await streamOf(a)
    expectJson(
      await post(`/api/admin/users/${a.id}/ban`, { reason: 'e2e: spam' }, { token: adminToken }),
      200,
    )
    await expect(
      Promise.race([
        stream.ended.then(() => 'ended'),
        new Promise((resolve) => setTimeout(() => resolve('still open'), liveWindowMs)),
      ]),
    ).resolves.toBe('ended')
  })
})

describe('who is notified', () => {
  it('a like, a comment, a reply and a mention each notify the right person, never the actor', async () => {
    const [a, b, c] = [await registerMember(), await registerMember(), await registerMember()]
    const published = await publish(a)

    expectJson(await post(`/api/posts/${published.id}/like`, undefined, { token: b.token }), 200)
    const like = await waitForNotification(a, 'like', b)
    expect(like.post?.id).toBe(published.id)

    const comment = expectJson<Comment>(
      await post(
        `/api/posts/${published.id}/comments`,
        { content: 'Nice post' },
        { token: b.token },
      ),
      201,
    )
    const commented = await waitForNotification(a, 'comment', b)
    expect(commented.comment).toEqual({ id: comment.id, excerpt: 'Nice post' })

    const reply = expectJson<Comment>(
      await post(
        `/api/posts/${published.id}/comments`,
        { content: 'Thanks!', parentId: comment.id },
        { token: c.token },
      ),
      201,
    )
    const replied = await waitForNotification(b, 'reply', c)
    expect(replied.comment?.id).toBe(reply.id)

    const mentioning = await publish(c, { content: `Hello @${a.username}` })
    const mention = await waitForNotification(a, 'mention', c)
    expect(mention.post?.id).toBe(mentioning.id)

    // Nobody hears of their own actions.
    expect((await notificationsOf(b)).map((item) => item.type)).toEqual(['reply'])
    expect(await notificationsOf(c)).toEqual([])
    expect((await notificationsOf(a)).map((item) => item.type).sort()).toEqual([
      'comment',
      'comment',
      'like',
      'mention',
    ])
  })

  it('read-all zeroes the count', async () => {
    const [a, b] = [await registerMember(), await registerMember()]
    await startFollowing(b, a.username)
    await waitForNotification(a, 'follow', b)
    expect(await unreadCount(a)).toBe(1)
    expect(
      expectJson(await post('/api/notifications/read-all', undefined, { token: a.token }), 200),
    ).toEqual({ updated: 1 })
    expect(await unreadCount(a)).toBe(0)
    expect(await notificationsOf(a, '?unread=true')).toEqual([])
  })

  it('A cannot read or delete B’s notifications', async () => {
    const [a, b, c] = [await registerMember(), await registerMember(), await registerMember()]
    await startFollowing(c, b.username)
    const theirs = await waitForNotification(b, 'follow', c)
    expectProblem(
      await post(`/api/notifications/${theirs.id}/read`, undefined, { token: a.token }),
      404,
      'not-found',
    )
    expectProblem(
      await del(`/api/notifications/${theirs.id}`, { token: a.token }),
      404,
      'not-found',
    )
    expectProblem(
      await del(`/api/notifications/${randomUUID()}`, { token: a.token }),
      404,
      'not-found',
    )
    expect(await notificationsOf(b)).toEqual([theirs])
    expect(await unreadCount(b)).toBe(1)
  })
})
