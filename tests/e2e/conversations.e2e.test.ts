import { randomUUID } from 'node:crypto'

import { eventually } from '@chatty/testing'
import { beforeAll, describe, expect, it } from 'vitest'

import { loginAdmin } from './support/admin.js'
import {
  type ApiResponse,
  type Comment,
  del,
  expectJson,
  expectProblem,
  expectStatus,
  type FeedItem,
  type Page,
  patch,
  type Post,
  post,
  type PublicUser,
  type Report,
  request,
  withQuery,
} from './support/api.js'
import {
  eventTimeoutMs,
  type Member,
  publish,
  readFeed,
  readPost,
  registerMember,
  startFollowing,
  waitForFeedToContain,
  waitForFeedToLack,
} from './support/social.js'

/** API.md: counters agree everywhere within a second of the action. */
const countWindowMs = 1_500

interface AdminReport {
  id: string
  status: 'open' | 'resolved' | 'dismissed'
  note: string | null
  [key: string]: unknown
}

function like(member: Member, postId: string): Promise<ApiResponse> {
  return post(`/api/posts/${postId}/like`, undefined, { token: member.token })
}

function repost(member: Member, postId: string): Promise<ApiResponse> {
  return post(`/api/posts/${postId}/repost`, undefined, { token: member.token })
}

function comment(member: Member, postId: string, body: { content: string; parentId?: string }) {
  return post(`/api/posts/${postId}/comments`, body, { token: member.token })
}

async function listComments(postId: string, token?: string): Promise<Comment[]> {
  return expectJson<Page<Comment>>(await request(`/api/posts/${postId}/comments`, { token }), 200)
    .items
}

async function feedItem(reader: Member, postId: string): Promise<FeedItem | undefined> {
  return (await readFeed(reader, { limit: 100 })).items.find((item) => item.post.id === postId)
}

let adminToken: string

beforeAll(async () => {
  adminToken = await loginAdmin()
})

describe('editing a post', () => {
  it('lets the owner edit, re-parses tags, and refuses anyone else with 403 not-owner', async () => {
    const author = await registerMember()
    const stranger = await registerMember()
    const published = await publish(author, { content: 'first #draft' })

    const edited = expectJson<Post>(
      await patch(
        `/api/posts/${published.id}`,
        { content: 'second #final' },
        { token: author.token },
      ),
      200,
    )

    expect(edited).toMatchObject({ content: 'second #final', tags: ['final'] })
    expect(Date.parse(edited.updatedAt)).toBeGreaterThan(Date.parse(published.updatedAt))
    expectProblem(
      await patch(`/api/posts/${published.id}`, { content: 'mine now' }, { token: stranger.token }),
      403,
      'not-owner',
    )
    expectProblem(
      await patch(`/api/posts/${published.id}`, { authorId: stranger.id }, { token: author.token }),
      422,
      'validation-failed',
    )
  })

  it("takes a post turned private out of a follower's feed and brings it back when public", async () => {
    const author = await registerMember()
    const follower = await registerMember()
    await startFollowing(follower, author.username)
    const published = await publish(author)
    await waitForFeedToContain(follower, published.id)

    const hidden = await patch(
      `/api/posts/${published.id}`,
      { visibility: 'private' },
      { token: author.token },
    )
    expect(expectJson<Post>(hidden, 200).visibility).toBe('private')
    await waitForFeedToLack(follower, published.id)

    await patch(`/api/posts/${published.id}`, { visibility: 'public' }, { token: author.token })
    await waitForFeedToContain(follower, published.id)
  })
})

describe('comments', () => {
  it('lists a thread oldest first and refuses a reply to a comment of another post', async () => {
    const author = await registerMember()
    const reader = await registerMember()
    const published = await publish(author)
    const other = await publish(author)

    const first = expectJson<Comment>(
      await comment(reader, published.id, { content: 'first' }),
      201,
    )
    const reply = expectJson<Comment>(
      await comment(author, published.id, { content: 'a reply', parentId: first.id }),
      201,
    )
    expect(reply).toMatchObject({ postId: published.id, parentId: first.id })
    expect(reply.author.id).toBe(author.id)

    expect((await listComments(published.id)).map((entry) => entry.id)).toEqual([
      first.id,
      reply.id,
    ])
    const misplaced = await comment(reader, other.id, {
      content: 'wrong thread',
      parentId: first.id,
    })
    expect(misplaced.status).toBe(422)
    expectProblem(await comment(reader, randomUUID(), { content: 'nowhere' }), 404, 'not-found')
  })

  it('lets only the comment author edit, and the author, the post owner or a moderator delete', async () => {
    const author = await registerMember()
    const commenter = await registerMember()
    const stranger = await registerMember()
    const published = await publish(author)
    const written = expectJson<Comment>(
      await comment(commenter, published.id, { content: 'original' }),
      201,
    )
    const path = `/api/posts/${published.id}/comments/${written.id}`

    expectProblem(
      await patch(path, { content: 'hijacked' }, { token: stranger.token }),
      403,
      'not-owner',
    )
    expectProblem(
      await patch(path, { content: 'by the post owner' }, { token: author.token }),
      403,
      'not-owner',
    )
    const edited = expectJson<Comment>(
      await patch(path, { content: 'edited' }, { token: commenter.token }),
      200,
    )
    expect(edited.content).toBe('edited')
    expectProblem(await del(path, { token: stranger.token }), 403, 'not-owner')

    expectStatus(await del(path, { token: author.token }), 204)
    expect(await listComments(published.id)).toEqual([])
  })

  it('keeps the replies of a deleted comment readable', async () => {
    const author = await registerMember()
    const commenter = await registerMember()
    const published = await publish(author)
    const parent = expectJson<Comment>(
      await comment(commenter, published.id, { content: 'parent' }),
      201,
    )
    const reply = expectJson<Comment>(
      await comment(author, published.id, { content: 'child', parentId: parent.id }),
      201,
    )

    expectStatus(
      await del(`/api/posts/${published.id}/comments/${parent.id}`, { token: commenter.token }),
      204,
    )

    const thread = await listComments(published.id)
    expect(thread.map((entry) => entry.id)).toEqual([reply.id])
    expect(thread[0]?.parentId).toBe(parent.id)
  })

  it('is taken down by a moderator through admin, and the takedown is audited', async () => {
    const author = await registerMember()
    const commenter = await registerMember()
    const published = await publish(author)
    const written = expectJson<Comment>(
      await comment(commenter, published.id, { content: 'spam' }),
      201,
    )

    await eventually(async () => {
      expectStatus(
        await del(`/api/admin/comments/${written.id}`, {
          json: { reason: 'e2e: spam' },
          token: adminToken,
        }),
        202,
      )
    }, eventTimeoutMs)

    await eventually(async () => {
      expect(await listComments(published.id)).toEqual([])
      expect(expectJson<Post>(await readPost(published.id), 200).commentCount).toBe(0)
    }, eventTimeoutMs)
    const audit = expectJson<Page<{ action: string; targetId: string }>>(
      await request('/api/admin/audit-log', { token: adminToken }),
      200,
    )
    expect(audit.items.some((entry) => entry.targetId === written.id)).toBe(true)
  })
})

describe('likes', () => {
  it('counts 20 parallel identical likes once and tells each reader whether they liked', async () => {
    const author = await registerMember()
    const fan = await registerMember()
    const published = await publish(author)

    const answers = await Promise.all(Array.from({ length: 20 }, () => like(fan, published.id)))

    for (const answer of answers) {
      expect(expectJson<{ liked: boolean; likeCount: number }>(answer, 200).liked).toBe(true)
    }
    expect(expectJson<Post>(await readPost(published.id, fan), 200)).toMatchObject({
      likeCount: 1,
      likedByMe: true,
    })
    expect(expectJson<Post>(await readPost(published.id, author), 200)).toMatchObject({
      likeCount: 1,
      likedByMe: false,
    })
    const likers = expectJson<Page<PublicUser>>(
      await request(`/api/posts/${published.id}/likes`),
      200,
    )
    expect(likers.items.map((user) => user.id)).toEqual([fan.id])
    const liked = expectJson<Page<Post>>(
      await request(withQuery('/api/posts', { likedBy: fan.username })),
      200,
    )
    expect(liked.items.map((entry) => entry.id)).toContain(published.id)

    const unliked = expectJson<{ liked: boolean; likeCount: number }>(
      await del(`/api/posts/${published.id}/like`, { token: fan.token }),
      200,
    )
    expect(unliked).toEqual({ liked: false, likeCount: 0 })
  })

  it('agrees on the counts between the post, the public list, the timeline and a feed', async () => {
    const author = await registerMember()
    const follower = await registerMember()
    const fans = await Promise.all([registerMember(), registerMember()])
    await startFollowing(follower, author.username)
    const published = await publish(author)
    await waitForFeedToContain(follower, published.id)

    for (const fan of fans) expectJson(await like(fan, published.id), 200)
    expectJson(await like(follower, published.id), 200)
    expectJson<Comment>(await comment(fans[0] as Member, published.id, { content: 'nice' }), 201)
    expectJson(await del(`/api/posts/${published.id}/like`, { token: fans[1]?.token }), 200)

    const expected = { likeCount: 2, commentCount: 1, repostCount: 0 }
    await eventually(async () => {
      expect(expectJson<Post>(await readPost(published.id), 200)).toMatchObject(expected)
      const timeline = expectJson<Page<Post>>(
        await request(withQuery('/api/posts', { author: author.username })),
        200,
      )
      expect(timeline.items.find((entry) => entry.id === published.id)).toMatchObject(expected)
      const item = await feedItem(follower, published.id)
      expect(item?.post).toMatchObject({ ...expected, likedByMe: true })
    }, countWindowMs)
  })

  it("takes a banned liker's like out of the count until the ban is lifted", async () => {
    const author = await registerMember()
    const liker = await registerMember()
    const published = await publish(author)
    expectJson(await like(liker, published.id), 200)

    expectJson(
      await post(
        `/api/admin/users/${liker.id}/ban`,
        { reason: 'e2e: likes' },
        { token: adminToken },
      ),
      200,
    )
    await eventually(async () => {
      expect(expectJson<Post>(await readPost(published.id), 200).likeCount).toBe(0)
    }, eventTimeoutMs)

    expectJson(
      await post(`/api/admin/users/${liker.id}/unban`, undefined, { token: adminToken }),
      200,
    )
    await eventually(async () => {
      expect(expectJson<Post>(await readPost(published.id), 200).likeCount).toBe(1)
    }, eventTimeoutMs)
  })
})

describe('reposts', () => {
  it("refuses one's own post and a post that is not public", async () => {
    const author = await registerMember()
    const reader = await registerMember()
    await startFollowing(reader, author.username)
    const own = await publish(author)
    const followersOnly = await publish(author, { visibility: 'followers' })

    expect((await repost(author, own.id)).status).toBe(422)
    expect((await repost(reader, followersOnly.id)).status).toBe(422)
  })

  it('counts 20 parallel identical reposts once', async () => {
    const author = await registerMember()
    const fan = await registerMember()
    const published = await publish(author)

    const answers = await Promise.all(Array.from({ length: 20 }, () => repost(fan, published.id)))

    for (const answer of answers) {
      expect(expectJson<{ reposted: boolean }>(answer, 200).reposted).toBe(true)
    }
    expect(expectJson<Post>(await readPost(published.id, fan), 200)).toMatchObject({
      repostCount: 1,
      repostedByMe: true,
    })
  })

  it("puts a repost in the reposter's followers' feeds once, even when two followees repost", async () => {
    const author = await registerMember()
    const first = await registerMember()
    const second = await registerMember()
    const reader = await registerMember()
    await startFollowing(reader, first.username)
    await startFollowing(reader, second.username)
    const published = await publish(author)

    expectJson(await repost(first, published.id), 200)
    await eventually(async () => {
      const item = await feedItem(reader, published.id)
      expect(item).toMatchObject({ type: 'repost', repostedBy: { id: first.id } })
    }, eventTimeoutMs)
    expectJson(await repost(second, published.id), 200)
    await eventually(async () => {
      const feed = await readFeed(reader, { limit: 100 })
      expect(feed.items.filter((item) => item.post.id === published.id)).toHaveLength(1)
      expect(feed.items.find((item) => item.post.id === published.id)?.post.repostCount).toBe(2)
    }, countWindowMs)

    expectJson(await del(`/api/posts/${published.id}/repost`, { token: first.token }), 200)
    expectJson(await del(`/api/posts/${published.id}/repost`, { token: second.token }), 200)
    await waitForFeedToLack(reader, published.id)
  })
})

describe('reports', () => {
  it('takes a report on exactly one target, and a second open report is the same one', async () => {
    const author = await registerMember()
    const reporter = await registerMember()
    const published = await publish(author)

    const both = await post(
      '/api/reports',
      { postId: published.id, userId: author.id, reason: 'two targets' },
      { token: reporter.token },
    )
    expectProblem(both, 422, 'validation-failed')
    expectProblem(
      await post('/api/reports', { reason: 'no target' }, { token: reporter.token }),
      422,
      'validation-failed',
    )

    const report = await eventually(async () => {
      const response = await post(
        '/api/reports',
        { postId: published.id, reason: 'e2e: rude' },
        { token: reporter.token },
      )
      return expectJson<Report>(response, 201)
    }, eventTimeoutMs)
    expect(report.status).toBe('open')
    const again = await post(
      '/api/reports',
      { postId: published.id, reason: 'e2e: still rude' },
      { token: reporter.token },
    )
    expect((again.body as Report).id).toBe(report.id)
  })

  it('shows the queue to moderators with the current content and resolves with a note', async () => {
    const author = await registerMember()
    const reporter = await registerMember()
    const published = await publish(author, { content: 'before the edit' })
    const report = await eventually(async () => {
      const response = await post(
        '/api/reports',
        { postId: published.id, reason: 'e2e: queue' },
        { token: reporter.token },
      )
      return expectJson<Report>(response, 201)
    }, eventTimeoutMs)
    await patch(
      `/api/posts/${published.id}`,
      { content: 'after the edit' },
      { token: author.token },
    )

    await eventually(async () => {
      const queue = expectJson<Page<AdminReport>>(
        await request(withQuery('/api/admin/reports', { status: 'open' }), { token: adminToken }),
        200,
      )
      const listed = queue.items.find((entry) => entry.id === report.id)
      expect(JSON.stringify(listed)).toContain('after the edit')
    }, eventTimeoutMs)

    expectProblem(
      await patch(
        `/api/admin/reports/${report.id}`,
        { status: 'resolved' },
        { token: reporter.token },
      ),
      403,
      'forbidden',
    )
    const resolved = expectJson<AdminReport>(
      await patch(
        `/api/admin/reports/${report.id}`,
        { status: 'resolved', note: 'e2e: handled' },
        { token: adminToken },
      ),
      200,
    )
    expect(resolved).toMatchObject({ status: 'resolved', note: 'e2e: handled' })
    expectProblem(
      await patch(
        `/api/admin/reports/${randomUUID()}`,
        { status: 'dismissed' },
        { token: adminToken },
      ),
      404,
      'not-found',
    )
  })
})
