import { describe, expect, it } from 'vitest'

import { del, expectJson, expectProblem, expectStatus, request } from './support/api.js'
import {
  feedPostIds,
  publish,
  readFeed,
  registerMember,
  startFollowing,
  unfollow,
  waitForFeedToContain,
  waitForFeedToLack,
} from './support/social.js'

describe('home feed', () => {
  it('refuses a request without a token with 401', async () => {
    expectProblem(await request('/api/feed'), 401, 'unauthorized')
  })

  it("delivers a new post to the author's followers and not to strangers", async () => {
    const author = await registerMember()
    const follower = await registerMember()
    const stranger = await registerMember()
    await startFollowing(follower, author.username)

    const created = await publish(author)

    await waitForFeedToContain(follower, created.id)
    expect(await feedPostIds(stranger)).not.toContain(created.id)
  })

  it('serves each post as a FeedItem carrying the whole Post', async () => {
    const author = await registerMember()
    const follower = await registerMember()
    await startFollowing(follower, author.username)
    const created = await publish(author, { title: 'In the feed', content: 'Feed item shape' })

    await waitForFeedToContain(follower, created.id)

    const { items, nextCursor } = await readFeed(follower)
    expect(items).toEqual([
      { type: 'post', post: created, repostedBy: null, at: expect.any(String) },
    ])
    expect(nextCursor).toBeNull()
    const at = items[0]?.at ?? ''
    expect(new Date(at).toISOString()).toBe(at)
  })

  it("includes the author's own posts, newest first", async () => {
    const author = await registerMember()
    const older = await publish(author)
    const newer = await publish(author)

    await waitForFeedToContain(author, older.id)
    await waitForFeedToContain(author, newer.id)

    expect(await feedPostIds(author)).toEqual([newer.id, older.id])
  })

  it('pages through the feed with a cursor, without repeating a post', async () => {
    const author = await registerMember()
    const posts = [await publish(author), await publish(author), await publish(author)]
    for (const created of posts) await waitForFeedToContain(author, created.id)

    const first = await readFeed(author, { limit: 2 })
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await readFeed(author, { limit: 2, cursor: first.nextCursor ?? undefined })
    expect(second.nextCursor).toBeNull()

    const ids = [...first.items, ...second.items].map((item) => item.post.id)
    expect(ids).toEqual(posts.map((created) => created.id).reverse())
  })

  it('backfills the earlier posts of an account when someone follows it', async () => {
    const author = await registerMember()
    const follower = await registerMember()
    const earlier = await publish(author)
    await waitForFeedToContain(author, earlier.id)

    await startFollowing(follower, author.username)

    await waitForFeedToContain(follower, earlier.id)
  })

  it("removes a deleted post from followers' feeds and the author's own", async () => {
    const author = await registerMember()
    const follower = await registerMember()
    await startFollowing(follower, author.username)
    const created = await publish(author)
    await waitForFeedToContain(follower, created.id)

    expectStatus(await del(`/api/posts/${created.id}`, { token: author.token }), 204)

    await waitForFeedToLack(follower, created.id)
    await waitForFeedToLack(author, created.id)
  })

  it('removes the posts of an account once it is unfollowed', async () => {
    const author = await registerMember()
    const follower = await registerMember()
    await startFollowing(follower, author.username)
    const created = await publish(author)
    await waitForFeedToContain(follower, created.id)

    expectJson(await unfollow(follower, author.username), 200)

    await waitForFeedToLack(follower, created.id)
  })

  it('never shows the private posts of others, even to followers', async () => {
    const author = await registerMember()
    const follower = await registerMember()
    await startFollowing(follower, author.username)
    const hidden = await publish(author, { visibility: 'private' })
    const visible = await publish(author, { visibility: 'public' })

    // Once the later public post has reached the feed, the private one has had its chance too.
    await waitForFeedToContain(follower, visible.id)
    expect(await feedPostIds(follower)).not.toContain(hidden.id)
  })
})
