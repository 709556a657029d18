import { PostCountsChanged, UserRegistered } from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import { lockWaits } from '@chatty/db/testing'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { db } from './db.js'
import { movePostCounts, rollUpPostCounts } from './domain/post-counters.js'
import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  posts = await startPosts({ POST_COUNTS_INTERVAL_MS: '20' })
})

afterAll(async () => {
  await posts?.close()
})

async function publishedPost(on = posts): Promise<{ author: TestUser; id: string }> {
  const author = await on.user()
  await on.deliver(UserRegistered, {
    userId: author.id,
    username: author.username,
    email: `${author.username}@example.test`,
    displayName: author.username,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
  const res = await on.request('/api/posts', {
    body: { content: 'count me' },
    token: author.token,
  })
  expect(res.status).toBe(201)
  return { author, id: ((await res.json()) as { id: string }).id }
}

/** The PostCountsChanged events of one post, in the order they were published. */
function countEvents(postId: string, on = posts) {
  return on.events
    .messages()
    .filter((message) => message.type === PostCountsChanged.type)
    .map((message) => message.body.data as { postId: string; likeCount: number; version: number })
    .filter((data) => data.postId === postId)
}

describe('post counts', () => {
  it('counts concurrent changes exactly and publishes the totals with a growing version', async () => {
    const { id } = await publishedPost()

    await Promise.all(
      Array.from({ length: 20 }, () =>
        inTransaction(posts.ctx.orm.em, (em) => movePostCounts(em, id, { likes: 1 })),
      ),
    )
    await inTransaction(posts.ctx.orm.em, (em) => movePostCounts(em, id, { comments: 2 }))
    await inTransaction(posts.ctx.orm.em, (em) => movePostCounts(em, id, { likes: -1 }))

    await eventually(() => {
      const last = countEvents(id).at(-1)
      expect(last).toMatchObject({ likeCount: 19, commentCount: 2, repostCount: 0 })
    })
    const versions = countEvents(id).map((event) => event.version)
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
    expect(new Set(versions).size).toBe(versions.length)
    const read = await posts.request(`/api/posts/${id}`)
    expect(await read.json()).toMatchObject({ likeCount: 19, commentCount: 2, repostCount: 0 })
  })

  it('publishes nothing for a post whose counts did not change', async () => {
    const { id } = await publishedPost()
    await inTransaction(posts.ctx.orm.em, (em) => movePostCounts(em, id, { reposts: 1 }))
    await eventually(() => expect(countEvents(id)).toHaveLength(1))

    await new Promise((resolve) => setTimeout(resolve, 200))

    expect(countEvents(id)).toHaveLength(1)
  })
})

describe('a post counts rollup racing a move', () => {
  // Rollups run only when the test says: the background pass waits a minute between looks.
  let quiet: PostsHarness

  beforeAll(async () => {
    quiet = await startPosts({ POST_COUNTS_INTERVAL_MS: '60000' })
  })

  afterAll(async () => {
    await quiet?.close()
  })

  it('publishes a move that lands on a new shard while the rollup waits for a locked one', async () => {
    const { id } = await publishedPost(quiet)
    const em = quiet.ctx.orm.em
    await inTransaction(em, (tx) => movePostCounts(tx, id, { likes: 1 }))
    // A reaction in flight holds the post's only shard, so the rollup waits for it...
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let locked = () => {}
    const holding = new Promise<void>((resolve) => (locked = resolve))
    const holder = inTransaction(em, async (tx) => {
      try {
        await db(tx)
          .selectFrom('post_counters')
          .select('shard')
          .where('post_id', '=', id)
          .forUpdate()
          .execute()
      } finally {
        locked()
      }
      await held
    })
    let rollup: Promise<unknown> = Promise.resolve()
    try {
      await holding
      rollup = inTransaction(em, (tx) => rollUpPostCounts(tx))
      await eventually(async () => expect(await lockWaits(em.fork())).toBe(1))
      // ...and a move meanwhile finds no free shard, so it makes a new one (`addToCounterShard`
      // picks it at random; this one is chosen) and commits before the rollup reads on.
      const [{ shard } = { shard: 0 }] = await db(em.fork())
        .selectFrom('post_counters')
        .select('shard')
        .where('post_id', '=', id)
        .execute()
      await db(em.fork())
        .insertInto('post_counters')
        .values({ post_id: id, shard: (shard + 1) % 16, likes: 1, pending: true })
        .execute()
    } finally {
      release()
      await Promise.allSettled([holder, rollup])
    }
    await rollup

    await inTransaction(em, (tx) => rollUpPostCounts(tx))
    await eventually(() => expect(countEvents(id, quiet).at(-1)).toMatchObject({ likeCount: 2 }))
  })
})
