import {
  CommentTakedownRequested,
  PostCountsChanged,
  UserBanned,
  UserDeleted,
  UserRegistered,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  posts = await startPosts({
    POST_COUNTS_INTERVAL_MS: '20',
    // Small batches, so a ban's walk over a few comments already takes several.
    STANDING_WALK_BATCH_SIZE: '2',
  })
})

afterAll(async () => {
  await posts?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>
const ids = (page: Record<string, any>) => page.items.map((item: { id: string }) => item.id)

async function member(label = 'u'): Promise<TestUser> {
  const user = await posts.user({ label })
  await posts.deliver(UserRegistered, {
    userId: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName: `${label} person`,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
  return user
}

async function publishPost(user: TestUser, body: Record<string, unknown> = { content: 'a post' }) {
  const res = await posts.request('/api/posts', { body, token: user.token })
  expect(res.status).toBe(201)
  return json(res)
}

function commentOn(user: TestUser, postId: string, body: Record<string, unknown>) {
  return posts.request(`/api/posts/${postId}/comments`, { body, token: user.token })
}

async function comment(user: TestUser, postId: string, content: string, parentId?: string) {
  const res = await commentOn(user, postId, { content, ...(parentId ? { parentId } : {}) })
  expect(res.status).toBe(201)
  return json(res)
}

async function listComments(postId: string, token?: string, query = '') {
  const res = await posts.request(`/api/posts/${postId}/comments${query}`, { token })
  expect(res.status).toBe(200)
  return json(res)
}

function removeComment(user: TestUser, postId: string, commentId: string) {
  return posts.request(`/api/posts/${postId}/comments/${commentId}`, {
    method: 'DELETE',
    token: user.token,
  })
}

function editComment(user: TestUser, postId: string, commentId: string, body: unknown) {
  return posts.request(`/api/posts/${postId}/comments/${commentId}`, {
    method: 'PATCH',
    body,
    token: user.token,
  })
}

async function commentCount(postId: string): Promise<number> {
  return (await json(await posts.request(`/api/posts/${postId}`))).commentCount as number
}

/** The commentCount of the last PostCountsChanged of a post. */
function publishedCommentCount(postId: string): number | undefined {
  const events = posts.events
    .messages()
    .filter((m) => m.type === PostCountsChanged.type && m.body.data.postId === postId)
  return events.at(-1)?.body.data.commentCount as number | undefined
}

async function expectCommentCount(postId: string, count: number) {
  await eventually(async () => {
    expect(await commentCount(postId)).toBe(count)
    expect(publishedCommentCount(postId)).toBe(count)
  })
}

function ban(user: TestUser) {
  return posts.deliver(UserBanned, {
    userId: user.id,
    reason: 'spam',
    bannedBy: uuidv7(),
    bannedAt: new Date().toISOString(),
  })
}

function unban(user: TestUser) {
  return posts.deliver(UserUnbanned, {
    userId: user.id,
    unbannedBy: uuidv7(),
    unbannedAt: new Date().toISOString(),
  })
}

describe('writing and listing comments', () => {
  it('lists a post’s comments oldest first, page by page, each with its author', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const bob = await member('bob')
    const post = await publishPost(author)
    const written = []
    for (const [index, user] of [alice, bob, alice, author, bob].entries()) {
      written.push(await comment(user, post.id, `comment ${index}`))
    }
    expect(written[0]).toEqual({
      id: expect.any(String),
      postId: post.id,
      parentId: null,
      author: {
        id: alice.id,
        username: alice.username,
        displayName: 'alice person',
        avatarUrl: null,
      },
      content: 'comment 0',
      createdAt: expect.any(String),
      updatedAt: written[0]?.createdAt,
    })

    const first = await listComments(post.id, undefined, '?limit=2')
    expect(first.items).toEqual(written.slice(0, 2))
    const interloper = await comment(bob, post.id, 'arrived between pages')
    const second = await listComments(post.id, undefined, `?limit=2&cursor=${first.nextCursor}`)
    expect(ids(second)).toEqual(written.slice(2, 4).map((c) => c.id))
    const third = await listComments(post.id, undefined, `?limit=2&cursor=${second.nextCursor}`)
    expect(ids(third)).toEqual([written[4]?.id, interloper.id])
    expect(third.nextCursor).toBeNull()

    const all = await listComments(post.id, alice.token)
    expect(ids(all)).toEqual([...written, interloper].map((c) => c.id))
  })

  it('announces CommentCreated with the post’s author, the parent’s author and the mentions', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const bob = await member('bob')
    const post = await publishPost(author)
    const top = await comment(alice, post.id, 'top level')
    const res = await posts.app.request(`/api/posts/${post.id}/comments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bob.token}`,
        'content-type': 'application/json',
        'x-request-id': 'req-comment-1',
      },
      body: JSON.stringify({ content: '  agreed, @Alice_X and @carol_1  ', parentId: top.id }),
    })
    expect(res.status).toBe(201)
    const reply = await json(res)
    expect(reply).toMatchObject({ parentId: top.id, content: 'agreed, @Alice_X and @carol_1' })

    const event = await posts.events.next(
      (m) => m.body.type === 'CommentCreated' && m.body.data.commentId === reply.id,
    )
    expect(event.routingKey).toBe('comment.created')
    expect(event.body).toMatchObject({ producer: 'posts', correlationId: 'req-comment-1' })
    expect(event.body.data).toEqual({
      commentId: reply.id,
      postId: post.id,
      postAuthorId: author.id,
      authorId: bob.id,
      parentId: top.id,
      parentAuthorId: alice.id,
      content: 'agreed, @Alice_X and @carol_1',
      mentions: ['alice_x', 'carol_1'],
      createdAt: reply.createdAt,
    })
    const topEvent = await posts.events.next(
      (m) => m.body.type === 'CommentCreated' && m.body.data.commentId === top.id,
    )
    expect(topEvent.body.data).toMatchObject({ parentId: null, parentAuthorId: null })
  })

  it('answers 404 for the comments of a post the caller may not see, unknown or deleted', async () => {
    const author = await member('op')
    const stranger = await member('stranger')
    const secret = await publishPost(author, { content: 'mine', visibility: 'private' })
    const fans = await publishPost(author, { content: 'fans', visibility: 'followers' })
    await comment(author, secret.id, 'a note to self')
    expect((await listComments(secret.id, author.token)).items).toHaveLength(1)

    for (const id of [secret.id, fans.id, uuidv7(), 'not-a-uuid']) {
      for (const token of [undefined, stranger.token]) {
        const res = await posts.request(`/api/posts/${id}/comments`, { token })
        expect(res.status).toBe(404)
      }
      const res = await commentOn(stranger, id, { content: 'let me in' })
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }

    const open = await publishPost(author)
    await comment(stranger, open.id, 'soon gone')
    await posts.request(`/api/posts/${open.id}`, { method: 'DELETE', token: author.token })
    expect((await posts.request(`/api/posts/${open.id}/comments`)).status).toBe(404)
    expect((await commentOn(stranger, open.id, { content: 'anyone?' })).status).toBe(404)
  })

  it('refuses a reply to a comment of another post, a deleted or an unknown comment with 422 naming parentId', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const post = await publishPost(author)
    const elsewhere = await publishPost(author)
    const foreign = await comment(alice, elsewhere.id, 'on the other post')
    const gone = await comment(alice, post.id, 'deleted soon')
    expect((await removeComment(alice, post.id, gone.id)).status).toBe(204)

    for (const parentId of [foreign.id, gone.id, uuidv7(), 'not-a-uuid']) {
      const res = await commentOn(alice, post.id, { content: 'a reply', parentId })
      expect(res.status).toBe(422)
      const problem = await json(res)
      expect(problem.code).toBe('validation-failed')
      expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['parentId'])
    }
    expect(ids(await listComments(post.id))).toEqual([])
  })

  it.each([
    ['content', { content: '   ' }],
    ['content', { content: 'x'.repeat(1001) }],
    ['content', {}],
    ['authorId', { content: 'as someone else', authorId: uuidv7() }],
  ])('answers 422 naming %s for %j', async (field, body) => {
    const author = await member('op')
    const post = await publishPost(author)
    const res = await commentOn(author, post.id, body)
    expect(res.status).toBe(422)
    expect(JSON.stringify((await json(res)).errors)).toContain(field)
  })

  it('refuses an unverified email, a banned account and a missing token', async () => {
    const author = await member('op')
    const post = await publishPost(author)
    const unverified = await posts.user({ emailVerified: false })
    const res = await commentOn(unverified, post.id, { content: 'hi' })
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('email-not-verified')
    const anonymous = await posts.request(`/api/posts/${post.id}/comments`, {
      body: { content: 'hi' },
    })
    expect(anonymous.status).toBe(401)

    const banned = await member('banned')
    await ban(banned)
    const refused = await commentOn(banned, post.id, { content: 'hi' })
    expect(refused.status).toBe(403)
    expect((await json(refused)).code).toBe('account-banned')
    expect(await commentCount(post.id)).toBe(0)
  })

  it('describes the comment routes and the Comment shape in the OpenAPI document', async () => {
    const doc = await json(await posts.request('/api/posts/openapi.json'))
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/posts/{id}/comments', '/api/posts/{id}/comments/{commentId}']),
    )
    expect(Object.keys(doc.paths['/api/posts/{id}/comments/{commentId}'])).toEqual(
      expect.arrayContaining(['patch', 'delete']),
    )
    expect(Object.keys(doc.components.schemas.Comment.properties).sort()).toEqual(
      ['author', 'content', 'createdAt', 'id', 'parentId', 'postId', 'updatedAt'].sort(),
    )
  })

  it('limits a user to 30 comments a minute with 429 and Retry-After', async () => {
    const author = await member('op')
    const chatty = await member('chatty')
    const post = await publishPost(author)
    for (let index = 0; index < 30; index++) await comment(chatty, post.id, `#${index}`)
    const res = await commentOn(chatty, post.id, { content: 'one too many' })
    expect(res.status).toBe(429)
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    await comment(author, post.id, 'others are not limited')
  })
})

describe('editing and deleting comments', () => {
  it('lets the comment’s author edit it, announces CommentUpdated, and refuses everyone else with 403', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const stranger = await member('stranger')
    const moderator = await posts.user({ role: 'moderator' })
    const post = await publishPost(author)
    const mine = await comment(alice, post.id, 'typo hre')

    for (const user of [stranger, author, moderator]) {
      const res = await editComment(user, post.id, mine.id, { content: 'hijacked' })
      expect(res.status).toBe(403)
      expect((await json(res)).code).toBe('not-owner')
    }

    const res = await editComment(alice, post.id, mine.id, { content: 'typo here, @bob_1' })
    expect(res.status).toBe(200)
    const edited = await json(res)
    expect(edited).toMatchObject({ id: mine.id, content: 'typo here, @bob_1', parentId: null })
    expect(Date.parse(edited.updatedAt)).toBeGreaterThan(Date.parse(mine.updatedAt))
    expect((await listComments(post.id)).items).toEqual([edited])
    const event = await posts.events.next(
      (m) => m.body.type === 'CommentUpdated' && m.body.data.commentId === mine.id,
    )
    expect(event.routingKey).toBe('comment.updated')
    expect(event.body.data).toEqual({
      commentId: mine.id,
      postId: post.id,
      authorId: alice.id,
      content: 'typo here, @bob_1',
      mentions: ['bob_1'],
      updatedAt: edited.updatedAt,
    })
  })

  it('answers 404 for a comment under another post, unknown or deleted, and 422 for a bad body', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const post = await publishPost(author)
    const other = await publishPost(author)
    const mine = await comment(alice, post.id, 'mine')
    for (const [postId, commentId] of [
      [other.id, mine.id],
      [post.id, uuidv7()],
      [post.id, 'nope'],
    ] as const) {
      expect((await editComment(alice, postId, commentId, { content: 'x' })).status).toBe(404)
      expect((await removeComment(alice, postId, commentId)).status).toBe(404)
    }
    for (const body of [{ content: ' ' }, { content: 'ok', parentId: null }, {}]) {
      expect((await editComment(alice, post.id, mine.id, body)).status).toBe(422)
    }
    expect((await removeComment(alice, post.id, mine.id)).status).toBe(204)
    expect((await editComment(alice, post.id, mine.id, { content: 'back' })).status).toBe(404)
    expect((await removeComment(alice, post.id, mine.id)).status).toBe(404)
  })

  it('lets the comment’s author, the post’s author, a moderator and an admin delete, nobody else', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const stranger = await member('stranger')
    const moderator = await posts.user({ role: 'moderator' })
    const admin = await posts.user({ role: 'admin' })
    const post = await publishPost(author)

    const target = await comment(alice, post.id, 'contested')
    const refused = await removeComment(stranger, post.id, target.id)
    expect(refused.status).toBe(403)
    expect((await json(refused)).code).toBe('not-owner')
    expect(ids(await listComments(post.id))).toEqual([target.id])

    for (const deleter of [alice, author, moderator, admin]) {
      const doomed = await comment(alice, post.id, `removed by ${deleter.username}`)
      expect((await removeComment(deleter, post.id, doomed.id)).status).toBe(204)
      const event = await posts.events.next(
        (m) => m.body.type === 'CommentDeleted' && m.body.data.commentId === doomed.id,
      )
      expect(event.routingKey).toBe('comment.deleted')
      expect(event.body.data).toEqual({
        commentId: doomed.id,
        postId: post.id,
        postAuthorId: author.id,
        authorId: alice.id,
        deletedBy: deleter.id,
        deletedAt: expect.any(String),
      })
    }
    expect(ids(await listComments(post.id))).toEqual([target.id])
  })

  it('lets staff remove a comment under a post they cannot see; others get 404 there', async () => {
    const author = await member('op')
    const moderator = await posts.user({ role: 'moderator' })
    const stranger = await member('stranger')
    const secret = await publishPost(author, { content: 'diary', visibility: 'private' })
    const note = await comment(author, secret.id, 'note')
    expect((await removeComment(stranger, secret.id, note.id)).status).toBe(404)
    expect((await removeComment(moderator, secret.id, note.id)).status).toBe(204)
    expect((await listComments(secret.id, author.token)).items).toEqual([])
  })

  it('keeps the replies of a deleted comment listed, still naming their parent', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const bob = await member('bob')
    const post = await publishPost(author)
    const parent = await comment(alice, post.id, 'I will regret this')
    const reply = await comment(bob, post.id, 'you will', parent.id)
    const after = await comment(bob, post.id, 'unrelated')

    expect((await removeComment(alice, post.id, parent.id)).status).toBe(204)
    const page = await listComments(post.id)
    expect(ids(page)).toEqual([reply.id, after.id])
    expect(page.items[0].parentId).toBe(parent.id)
  })
})

describe('comment counts', () => {
  it('moves commentCount in the post read and in PostCountsChanged on create and delete', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const post = await publishPost(author)
    const first = await comment(alice, post.id, 'one')
    await comment(alice, post.id, 'two', first.id)
    await comment(author, post.id, 'three')
    await expectCommentCount(post.id, 3)

    expect((await removeComment(author, post.id, first.id)).status).toBe(204)
    await expectCommentCount(post.id, 2)
    const timeline = await json(await posts.request(`/api/posts?author=${author.username}`))
    expect(timeline.items[0]).toMatchObject({ id: post.id, commentCount: 2 })
  })

  it('hides a banned commenter’s comments from everyone and the counts until the unban', async () => {
    const author = await member('op')
    const troll = await member('troll')
    const fan = await member('fan')
    const busy = await publishPost(author)
    const quiet = await publishPost(author)
    const trollComments = []
    for (let index = 0; index < 3; index++) {
      trollComments.push(await comment(troll, busy.id, `troll ${index}`))
    }
    trollComments.push(await comment(troll, quiet.id, 'troll elsewhere'))
    const reply = await comment(fan, busy.id, 'do not feed', trollComments[0]?.id)
    await expectCommentCount(busy.id, 4)
    await expectCommentCount(quiet.id, 1)

    await ban(troll)
    for (const token of [undefined, fan.token, author.token, troll.token]) {
      expect(ids(await listComments(busy.id, token))).toEqual([reply.id])
    }
    expect(ids(await listComments(quiet.id))).toEqual([])
    await expectCommentCount(busy.id, 1)
    await expectCommentCount(quiet.id, 0)
    expect(
      (await editComment(author, busy.id, trollComments[1]?.id, { content: 'x' })).status,
    ).toBe(404)
    expect((await removeComment(author, busy.id, trollComments[1]?.id)).status).toBe(404)

    // A ban delivered twice moves nothing more.
    await ban(troll)
    await expectCommentCount(busy.id, 1)

    await unban(troll)
    expect(ids(await listComments(busy.id))).toEqual(
      [...trollComments.slice(0, 3), reply].map((c) => c.id),
    )
    await expectCommentCount(busy.id, 4)
    await expectCommentCount(quiet.id, 1)
  })

  it('leaves no comment counted that was written while the ban came in', async () => {
    const author = await member('op')
    const troll = await member('troll')
    const post = await publishPost(author)
    const banned = ban(troll)
    // Comments keep coming, two at a time, until the ban refuses them.
    let accepted = 0
    let refused = 0
    while (refused === 0 && accepted < 26) {
      const answers = await Promise.all(
        [0, 1].map((index) => commentOn(troll, post.id, { content: `race ${accepted + index}` })),
      )
      for (const res of answers) {
        expect([201, 403]).toContain(res.status)
        if (res.status === 201) accepted++
        else refused++
      }
    }
    await banned
    await expectCommentCount(post.id, 0)
    expect(ids(await listComments(post.id))).toEqual([])

    await unban(troll)
    await expectCommentCount(post.id, accepted)
  })

  it('counts a comment deleted while its author was banned out for good', async () => {
    const author = await member('op')
    const troll = await member('troll')
    const moderator = await posts.user({ role: 'moderator' })
    const post = await publishPost(author)
    const takenDown = await comment(troll, post.id, 'taken down')
    const removed = await comment(troll, post.id, 'removed')
    const stays = await comment(author, post.id, 'stays')
    await expectCommentCount(post.id, 3)
    await ban(troll)
    await expectCommentCount(post.id, 1)

    expect((await removeComment(moderator, post.id, removed.id)).status).toBe(204)
    await posts.deliver(CommentTakedownRequested, {
      commentId: takenDown.id,
      reason: 'spam',
      requestedBy: moderator.id,
    })
    await expectCommentCount(post.id, 1)
    await unban(troll)
    await expectCommentCount(post.id, 1)
    expect(ids(await listComments(post.id))).toEqual([stays.id])
  })

  it('takes a deleted account’s comments out of the list and the counts for good', async () => {
    const author = await member('op')
    const leaver = await member('leaver')
    const post = await publishPost(author)
    await comment(leaver, post.id, 'bye')
    const stays = await comment(author, post.id, 'stays')
    await expectCommentCount(post.id, 2)

    await posts.deliver(UserDeleted, { userId: leaver.id })
    await unban(leaver)
    expect(ids(await listComments(post.id))).toEqual([stays.id])
    await expectCommentCount(post.id, 1)
  })
})

describe('comment takedowns', () => {
  it('removes the comment on CommentTakedownRequested and announces CommentDeleted, once', async () => {
    const author = await member('op')
    const alice = await member('alice')
    const moderator = uuidv7()
    const post = await publishPost(author)
    const target = await comment(alice, post.id, 'against the rules')
    const other = await comment(alice, post.id, 'fine')
    await expectCommentCount(post.id, 2)

    const takedown = await posts.deliver(
      CommentTakedownRequested,
      { commentId: target.id, reason: 'harassment', requestedBy: moderator },
      { correlationId: 'takedown-c1' },
    )
    expect(ids(await listComments(post.id))).toEqual([other.id])
    await expectCommentCount(post.id, 1)
    const event = await posts.events.next(
      (m) => m.body.type === 'CommentDeleted' && m.body.data.commentId === target.id,
    )
    expect(event.body.correlationId).toBe(takedown.correlationId)
    expect(event.body.data).toMatchObject({
      postId: post.id,
      postAuthorId: author.id,
      authorId: alice.id,
      deletedBy: moderator,
    })

    // The same message again, and a second takedown of the same comment: no further effect.
    await posts.publish(CommentTakedownRequested, takedown.data, { id: takedown.id })
    await posts.deliver(CommentTakedownRequested, {
      commentId: target.id,
      reason: 'reported twice',
      requestedBy: uuidv7(),
    })
    expect((await removeComment(alice, post.id, target.id)).status).toBe(404)
    await posts.ctx.messaging.relay.flush()
    const deletions = posts.events
      .messages()
      .filter((m) => m.body.type === 'CommentDeleted' && m.body.data.commentId === target.id)
    expect(deletions).toHaveLength(1)
    await expectCommentCount(post.id, 1)
    expect(await posts.deadLetterCount()).toBe(0)
  })

  it('acknowledges a takedown of an unknown comment without dead-lettering it', async () => {
    await posts.deliver(CommentTakedownRequested, {
      commentId: uuidv7(),
      reason: 'never seen',
      requestedBy: uuidv7(),
    })
    expect(await posts.deadLetterCount()).toBe(0)
  })
})
