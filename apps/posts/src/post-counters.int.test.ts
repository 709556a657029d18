import { PostCountsChanged, UserRegistered } from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { movePostCounts } from './domain/post-counters.js'
import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  posts = await startPosts({ POST_COUNTS_INTERVAL_MS: '20' })
})

afterAll(async () => {
  await posts?.close()
})

async function publishedPost(): Promise<{ author: TestUser; id: string }> {
  const author = await posts.user()
  await posts.deliver(UserRegistered, {
    userId: author.id,
    username: author.username,
    email: `${author.username}@example.test`,
    displayName: author.username,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
  const res = await posts.request('/api/posts', {
    body: { content: 'count me' },
    token: author.token,
  })
  expect(res.status).toBe(201)
  return { author, id: ((await res.json()) as { id: string }).id }
}

/** The PostCountsChanged events of one post, in the order they were published. */
function countEvents(postId: string) {
  return posts.events
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
