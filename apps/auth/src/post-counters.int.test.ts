import { PostCreated, PostDeleted, uuidv7 } from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
import { type AuthHarness, login, registerVerified, startAuth } from './test/harness.js'

let auth: AuthHarness

beforeAll(async () => {
  // Several messages at once, so events of the same author are applied concurrently.
  auth = await startAuth({ prefetch: 16 })
})

afterAll(async () => {
  await auth?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

async function author() {
  const user = await registerVerified(auth, 'pc')
  const { body } = await login(auth, user.username, user.password)
  return { ...user, id: (body.user as { id: string }).id, token: body.accessToken }
}

async function postsCount(user: { username: string; token: string }) {
  const profile = await json(await auth.request(`/api/users/${user.username}`))
  const me = await json(await auth.request('/api/auth/me', { token: user.token }))
  expect(me.postsCount).toBe(profile.postsCount)
  return profile.postsCount as number
}

const created = (postId: string, authorId: string) => ({
  postId,
  authorId,
  content: 'hello',
  title: null,
  tags: [],
  mentions: [],
  visibility: 'public' as const,
  createdAt: new Date().toISOString(),
})

const deleted = (postId: string, authorId: string) => ({
  postId,
  authorId,
  deletedBy: authorId,
  deletedAt: new Date().toISOString(),
})

describe('postsCount', () => {
  it('counts live posts from PostCreated and PostDeleted, each post once however often it arrives', async () => {
    const user = await author()
    const [first, second, third] = [uuidv7(), uuidv7(), uuidv7()]
    const redelivered = await auth.deliver(PostCreated, created(first, user.id))
    // The broker's redelivery keeps the envelope id; a producer's repeat gets a new one.
    await auth.deliver(PostCreated, created(first, user.id), { id: redelivered.id })
    await auth.deliver(PostCreated, created(first, user.id))
    await auth.deliver(PostCreated, created(second, user.id))
    await auth.deliver(PostCreated, created(third, user.id))
    expect(await postsCount(user)).toBe(3)

    await auth.deliver(PostDeleted, deleted(second, user.id))
    await auth.deliver(PostDeleted, deleted(second, user.id))
    expect(await postsCount(user)).toBe(2)
    expect(await auth.deadLetterCount()).toBe(0)
  })

  it('never counts a post whose PostDeleted overtook its PostCreated', async () => {
    const user = await author()
    const [overtaken, kept] = [uuidv7(), uuidv7()]
    await auth.deliver(PostDeleted, deleted(overtaken, user.id))
    expect(await postsCount(user)).toBe(0)
    await auth.deliver(PostCreated, created(overtaken, user.id))
    await auth.deliver(PostCreated, created(kept, user.id))
    expect(await postsCount(user)).toBe(1)
  })

  it('counts exactly while many posts of one author are created, deleted and repeated at once', async () => {
    const user = await author()
    const posts = Array.from({ length: 40 }, () => uuidv7())
    const removed = posts.filter((_, index) => index % 2 === 0)
    const create = (postId: string) => () => auth.publish(PostCreated, created(postId, user.id))
    const remove = (postId: string) => () => auth.publish(PostDeleted, deleted(postId, user.id))
    const publishers = [
      ...posts.map(create),
      ...removed.map(remove),
      // Repeats of a third of each kind, with envelope ids of their own.
      ...posts.filter((_, index) => index % 3 === 0).map(create),
      ...removed.filter((_, index) => index % 3 === 0).map(remove),
    ]
    publishers.sort(() => Math.random() - 0.5)
    const published = await Promise.all(publishers.map((publish) => publish()))
    await auth.consumed(...published.map((envelope) => envelope.id))
    expect(await postsCount(user)).toBe(posts.length - removed.length)
    expect(await auth.deadLetterCount()).toBe(0)
  })

  it('counts the posts of an author id auth has no account row for', async () => {
    const authorId = uuidv7()
    await auth.deliver(PostCreated, created(uuidv7(), authorId))
    await auth.deliver(PostCreated, created(uuidv7(), authorId))
    const shards = await db(auth.ctx.orm.em.fork())
      .selectFrom('user_counters')
      .select('posts')
      .where('user_id', '=', authorId)
      .execute()
    expect(shards.reduce((sum, shard) => sum + shard.posts, 0)).toBe(2)
  })
})
