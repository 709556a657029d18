import {
  CommentCreated,
  CommentDeleted,
  CommentUpdated,
  PostCreated,
  PostDeleted,
  PostUpdated,
  uuidv7,
} from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type AdminHarness, type KnownUser, startAdmin } from './test/harness.js'

let admin: AdminHarness
let chief: KnownUser
let moderator: KnownUser
let member: KnownUser

beforeAll(async () => {
  admin = await startAdmin()
  chief = await admin.registerUser({ role: 'admin', label: 'chief' })
  moderator = await admin.registerUser({ role: 'moderator', label: 'mod' })
  member = await admin.registerUser({ label: 'member' })
})

afterAll(async () => {
  await admin?.close()
})

type Body = Record<string, any>
const json = async (res: Response) => (await res.json()) as Body

async function knownPost(
  authorId: string,
  content = 'buy cheap watches',
  options: { visibility?: 'public' | 'followers' | 'private'; createdAt?: Date } = {},
) {
  const postId = uuidv7()
  await admin.deliver(
    PostCreated,
    {
      postId,
      authorId,
      content,
      title: 'Offer',
      tags: [],
      mentions: [],
      visibility: options.visibility ?? 'public',
      createdAt: (options.createdAt ?? new Date()).toISOString(),
    },
    { producer: 'posts' },
  )
  return postId
}

function commentCreated(postId: string, authorId: string, content: string, createdAt = new Date()) {
  return {
    commentId: uuidv7(),
    postId,
    postAuthorId: chief.id,
    authorId,
    parentId: null,
    parentAuthorId: null,
    content,
    mentions: [],
    createdAt: createdAt.toISOString(),
  }
}

async function knownComment(authorId: string, content = 'you are all idiots') {
  const postId = await knownPost(chief.id, 'a calm post')
  const created = commentCreated(postId, authorId, content)
  await admin.deliver(CommentCreated, created, { producer: 'posts' })
  return { commentId: created.commentId, postId }
}

/** Files a report, by default as a new user each time (reports are rate limited per user). */
async function report(body: unknown, token?: string) {
  return admin.request('/api/reports', { body, token: token ?? (await admin.tokenFor('user')) })
}

function decide(reportId: string, body: unknown, token = moderator.token) {
  return admin.request(`/api/admin/reports/${reportId}`, { method: 'PATCH', body, token })
}

/** Every page of the queue for `query`, following the cursors. */
async function queue(query = '', token = moderator.token): Promise<Body[]> {
  const items: Body[] = []
  let cursor: string | null = null
  do {
    const separator = query ? '&' : ''
    const after: string = cursor ? `&cursor=${cursor}` : ''
    const res = await admin.request(`/api/admin/reports?limit=7${separator}${query}${after}`, {
      token,
    })
    expect(res.status).toBe(200)
    const page = await json(res)
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return items
}

async function queued(reportId: string, query = 'status=all'): Promise<Body | undefined> {
  return (await queue(query)).find((item) => item.id === reportId)
}

async function auditOf(targetId: string) {
  const res = await admin.request(`/api/admin/audit-log?targetId=${targetId}`, {
    token: chief.token,
  })
  expect(res.status).toBe(200)
  return (await json(res)).items as Body[]
}

describe('filing a report', () => {
  it('reports a post, and the queue shows the post and the reporter', async () => {
    const spammer = await admin.registerUser({ label: 'spammer' })
    const postId = await knownPost(spammer.id, 'buy cheap watches', { visibility: 'followers' })
    const res = await report({ postId, reason: 'spam' }, member.token)
    expect(res.status).toBe(201)
    const receipt = await json(res)
    expect(receipt).toEqual({
      id: expect.any(String),
      status: 'open',
      targetType: 'post',
      targetId: postId,
      reason: 'spam',
      createdAt: expect.any(String),
    })
    expect(Date.parse(receipt.createdAt)).toBeGreaterThan(Date.now() - 60_000)

    expect(await queued(receipt.id, '')).toEqual({
      id: receipt.id,
      status: 'open',
      reason: 'spam',
      note: null,
      targetType: 'post',
      targetId: postId,
      target: {
        type: 'post',
        id: postId,
        authorId: spammer.id,
        title: 'Offer',
        content: 'buy cheap watches',
        visibility: 'followers',
        deleted: false,
      },
      reporter: { id: member.id, username: member.username },
      resolvedBy: null,
      resolvedAt: null,
      createdAt: receipt.createdAt,
    })
  })

  it('reports a comment with its post and author', async () => {
    const troll = await admin.registerUser({ label: 'troll' })
    const { commentId, postId } = await knownComment(troll.id, 'you are all idiots')
    const res = await report({ commentId, reason: 'insults' })
    expect(res.status).toBe(201)
    const receipt = await json(res)
    expect(receipt).toMatchObject({ status: 'open', targetType: 'comment', targetId: commentId })
    expect((await queued(receipt.id))?.target).toEqual({
      type: 'comment',
      id: commentId,
      postId,
      authorId: troll.id,
      content: 'you are all idiots',
      deleted: false,
    })
  })

  it('reports an account with its name and standing', async () => {
    const impostor = await admin.registerUser({ label: 'impostor', displayName: 'Real Bank' })
    const res = await report({ userId: impostor.id, reason: 'impersonation' })
    expect(res.status).toBe(201)
    const receipt = await json(res)
    expect((await queued(receipt.id))?.target).toEqual({
      type: 'user',
      id: impostor.id,
      username: impostor.username,
      displayName: 'Real Bank',
      status: 'active',
    })
  })

  it('answers a second report on the same target with the open one (200, same id)', async () => {
    const spammer = await admin.registerUser()
    const postId = await knownPost(spammer.id)
    const first = await report({ postId, reason: 'spam' }, member.token)
    expect(first.status).toBe(201)
    const again = await report({ postId, reason: 'really, spam' }, member.token)
    expect(again.status).toBe(200)
    const original = await json(first)
    expect(await json(again)).toEqual(original)

    // Someone else's report on the same post is their own.
    const other = await admin.registerUser()
    const theirs = await report({ postId, reason: 'spam' }, other.token)
    expect(theirs.status).toBe(201)
    expect((await json(theirs)).id).not.toBe(original.id)

    // Once the first is closed, reporting again opens a new one.
    expect((await decide(original.id, { status: 'dismissed' })).status).toBe(200)
    const afterClosed = await report({ postId, reason: 'it is back' }, member.token)
    expect(afterClosed.status).toBe(201)
    expect((await json(afterClosed)).id).not.toBe(original.id)
  })

  it('gives one report for parallel identical filings', async () => {
    const reporter = await admin.registerUser()
    const spammer = await admin.registerUser()
    const postId = await knownPost(spammer.id)
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => report({ postId, reason: 'spam' }, reporter.token)),
    )
    const statuses = answers.map((res) => res.status).sort()
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201])
    const ids = new Set(await Promise.all(answers.map(async (res) => (await json(res)).id)))
    expect(ids.size).toBe(1)
  })

  it.each([
    ['no target', { reason: 'spam' }, ['postId', 'commentId', 'userId']],
    ['two targets', { postId: uuidv7(), userId: uuidv7(), reason: 'spam' }, ['postId', 'userId']],
    [
      'three targets',
      { postId: uuidv7(), commentId: uuidv7(), userId: uuidv7(), reason: 'spam' },
      ['postId', 'commentId', 'userId'],
    ],
  ])('answers 422 naming the fields for %s', async (_case, body, paths) => {
    const res = await report(body)
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((error: { path: string }) => error.path).sort()).toEqual(
      [...paths].sort(),
    )
  })

  it.each([
    ['no reason', { userId: uuidv7() }, 'reason'],
    ['an empty reason', { userId: uuidv7(), reason: '  ' }, 'reason'],
    ['a reason over 500 characters', { userId: uuidv7(), reason: 'x'.repeat(501) }, 'reason'],
    ['a target id that is not a UUID', { postId: 'nope', reason: 'spam' }, 'postId'],
    ['an unknown field', { userId: uuidv7(), reason: 'spam', status: 'resolved' }, ''],
  ])('answers 422 for %s', async (_case, body, path) => {
    const res = await report(body)
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    if (path) expect(problem.errors).toContainEqual(expect.objectContaining({ path }))
  })

  it('answers 404 for a target admin does not know or knows as deleted', async () => {
    const author = await admin.registerUser()
    const deletedPost = await knownPost(author.id)
    await admin.deliver(
      PostDeleted,
      {
        postId: deletedPost,
        authorId: author.id,
        deletedBy: author.id,
        deletedAt: new Date().toISOString(),
      },
      { producer: 'posts' },
    )
    const { commentId: deletedComment, postId } = await knownComment(author.id)
    await admin.deliver(
      CommentDeleted,
      {
        commentId: deletedComment,
        postId,
        postAuthorId: chief.id,
        authorId: author.id,
        deletedBy: author.id,
        deletedAt: new Date().toISOString(),
      },
      { producer: 'posts' },
    )
    for (const body of [
      { postId: uuidv7() },
      { commentId: uuidv7() },
      { userId: uuidv7() },
      { postId: deletedPost },
      { commentId: deletedComment },
    ]) {
      const res = await report({ ...body, reason: 'spam' })
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }
  })

  it('refuses reporting yourself or your own post or comment with 422', async () => {
    const ownPost = await knownPost(member.id)
    const { commentId: ownComment } = await knownComment(member.id)
    for (const [field, id] of [
      ['userId', member.id],
      ['postId', ownPost],
      ['commentId', ownComment],
    ] as const) {
      const res = await report({ [field]: id, reason: 'testing' }, member.token)
      expect(res.status).toBe(422)
      const problem = await json(res)
      expect(problem.code).toBe('cannot-report-self')
      expect(problem.errors).toEqual([{ path: field, message: expect.any(String) }])
    }
  })

  it('needs a token and a verified email', async () => {
    const target = await admin.registerUser()
    const anonymous = await admin.request('/api/reports', {
      body: { userId: target.id, reason: 'spam' },
    })
    expect(anonymous.status).toBe(401)
    const unverified = await admin.issuer.sign({
      id: uuidv7(),
      username: 'unverified_one',
      emailVerified: false,
    })
    const res = await report({ userId: target.id, reason: 'spam' }, unverified)
    expect(res.status).toBe(403)
    expect((await json(res)).code).toBe('email-not-verified')
  })

  it('limits each user to 30 reports an hour', async () => {
    const eager = await admin.registerUser({ label: 'eager' })
    const target = await admin.registerUser()
    for (let attempt = 0; attempt < 30; attempt++) {
      const res = await report({ userId: target.id, reason: 'spam' }, eager.token)
      expect(res.status).toBe(attempt === 0 ? 201 : 200)
    }
    const limited = await report({ userId: target.id, reason: 'spam' }, eager.token)
    expect(limited.status).toBe(429)
    expect((await json(limited)).code).toBe('rate-limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // Others are not affected.
    expect((await report({ userId: target.id, reason: 'spam' })).status).toBe(201)
  })
})

describe('the report queue', () => {
  it('shows the content as it reads now, after edits arriving in any order', async () => {
    const author = await admin.registerUser()
    const createdAt = new Date(Date.now() - 60_000)
    const postId = await knownPost(author.id, 'first words', { createdAt })
    const postReport = await json(await report({ postId, reason: 'offensive' }))

    const edit = (content: string, visibility: 'public' | 'private', at: number) => ({
      postId,
      authorId: author.id,
      content,
      title: null,
      tags: [],
      mentions: [],
      visibility,
      updatedAt: new Date(createdAt.getTime() + at).toISOString(),
    })
    await admin.deliver(PostUpdated, edit('second words', 'private', 20_000), {
      producer: 'posts',
    })
    // An older edit delivered late changes nothing.
    await admin.deliver(PostUpdated, edit('stale words', 'public', 10_000), { producer: 'posts' })
    expect((await queued(postReport.id))?.target).toMatchObject({
      title: null,
      content: 'second words',
      visibility: 'private',
      deleted: false,
    })

    const commenter = await admin.registerUser()
    const { commentId, postId: commentedPost } = await knownComment(commenter.id, 'rude')
    const commentReport = await json(await report({ commentId, reason: 'rude' }))
    await admin.deliver(
      CommentUpdated,
      {
        commentId,
        postId: commentedPost,
        authorId: commenter.id,
        content: 'polite now',
        mentions: [],
        updatedAt: new Date(Date.now() + 1_000).toISOString(),
      },
      { producer: 'posts' },
    )
    expect((await queued(commentReport.id))?.target).toMatchObject({
      content: 'polite now',
      deleted: false,
    })
  })

  it('keeps the newest text when an edit overtakes the creation', async () => {
    const author = await admin.registerUser()
    const createdAt = new Date(Date.now() - 60_000)
    const post = {
      postId: uuidv7(),
      authorId: author.id,
      title: null,
      tags: [],
      mentions: [],
      visibility: 'public' as const,
    }
    const updated = await admin.publish(
      PostUpdated,
      { ...post, content: 'edited', updatedAt: new Date().toISOString() },
      { producer: 'posts' },
    )
    const created = await admin.publish(
      PostCreated,
      { ...post, content: 'original', createdAt: createdAt.toISOString() },
      { producer: 'posts' },
    )
    const comment = commentCreated(post.postId, author.id, 'original comment', createdAt)
    const commentUpdated = await admin.publish(
      CommentUpdated,
      {
        commentId: comment.commentId,
        postId: post.postId,
        authorId: author.id,
        content: 'edited comment',
        mentions: [],
        updatedAt: new Date().toISOString(),
      },
      { producer: 'posts' },
    )
    const commentCreatedLate = await admin.publish(CommentCreated, comment, { producer: 'posts' })
    await admin.consumed(updated.id, created.id, commentUpdated.id, commentCreatedLate.id)

    const postReport = await json(await report({ postId: post.postId, reason: 'spam' }))
    const commentReport = await json(await report({ commentId: comment.commentId, reason: 'spam' }))
    expect((await queued(postReport.id))?.target.content).toBe('edited')
    expect((await queued(commentReport.id))?.target.content).toBe('edited comment')
  })

  it('shows deletions and bans of the target', async () => {
    const author = await admin.registerUser()
    const { commentId, postId } = await knownComment(author.id)
    const commentReport = await json(await report({ commentId, reason: 'rude' }))
    const userReport = await json(await report({ userId: author.id, reason: 'rude' }))

    await admin.deliver(
      PostDeleted,
      { postId, authorId: chief.id, deletedBy: chief.id, deletedAt: new Date().toISOString() },
      { producer: 'posts' },
    )
    expect((await queued(commentReport.id))?.target.deleted).toBe(true)

    const ban = await admin.request(`/api/admin/users/${author.id}/ban`, {
      body: { reason: 'rude' },
      token: moderator.token,
    })
    expect(ban.status).toBe(200)
    expect((await queued(userReport.id))?.target.status).toBe('banned')
  })

  it('lists the open reports by default, filters by status and target type', async () => {
    const author = await admin.registerUser()
    const postReport = await json(
      await report({ postId: await knownPost(author.id), reason: 'spam' }),
    )
    const userReport = await json(await report({ userId: author.id, reason: 'spam' }))
    const resolved = await json(
      await report({ postId: await knownPost(author.id), reason: 'spam' }),
    )
    const dismissed = await json(
      await report({ commentId: (await knownComment(author.id)).commentId, reason: 'spam' }),
    )
    expect((await decide(resolved.id, { status: 'resolved' })).status).toBe(200)
    expect((await decide(dismissed.id, { status: 'dismissed' })).status).toBe(200)

    const ids = (items: Body[]) => items.map((item) => item.id)
    const open = await queue()
    expect(open.every((item) => item.status === 'open')).toBe(true)
    expect(ids(open)).toEqual(expect.arrayContaining([postReport.id, userReport.id]))
    expect(ids(open)).not.toContain(resolved.id)

    const closed = await queue('status=resolved')
    expect(closed.every((item) => item.status === 'resolved')).toBe(true)
    expect(ids(closed)).toContain(resolved.id)
    expect(ids(closed)).not.toContain(dismissed.id)
    expect(ids(await queue('status=dismissed'))).toContain(dismissed.id)

    const all = await queue('status=all')
    expect(ids(all)).toEqual(
      expect.arrayContaining([postReport.id, userReport.id, resolved.id, dismissed.id]),
    )
    // Newest first.
    expect(ids(all)).toEqual([...ids(all)].sort().reverse())

    const posts = await queue('status=all&targetType=post')
    expect(posts.every((item) => item.targetType === 'post')).toBe(true)
    expect(ids(posts)).toEqual(expect.arrayContaining([postReport.id, resolved.id]))
    expect(ids(posts)).not.toContain(userReport.id)
    const openUsers = await queue('targetType=user')
    expect(openUsers.every((item) => item.targetType === 'user' && item.status === 'open')).toBe(
      true,
    )
    expect(ids(openUsers)).toContain(userReport.id)
  })

  it('answers 422 for an unknown filter and 400 for a bad cursor', async () => {
    for (const query of ['status=closed', 'targetType=media', 'limit=0']) {
      const res = await admin.request(`/api/admin/reports?${query}`, { token: moderator.token })
      expect(res.status).toBe(422)
    }
    const res = await admin.request('/api/admin/reports?cursor=nonsense', {
      token: moderator.token,
    })
    expect(res.status).toBe(400)
    expect((await json(res)).code).toBe('invalid-cursor')
  })
})

describe('deciding a report', () => {
  it('resolves a report with a note and audits it', async () => {
    const author = await admin.registerUser()
    const postId = await knownPost(author.id)
    const filed = await json(await report({ postId, reason: 'spam' }, member.token))

    const res = await decide(filed.id, { status: 'resolved', note: 'post taken down' })
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body).toMatchObject({
      id: filed.id,
      status: 'resolved',
      note: 'post taken down',
      resolvedBy: moderator.id,
      reason: 'spam',
      target: { type: 'post', id: postId },
      reporter: { id: member.id, username: member.username },
    })
    expect(Date.parse(body.resolvedAt)).toBeGreaterThan(Date.now() - 60_000)
    expect(await queued(filed.id, 'status=resolved')).toEqual(body)

    const [entry] = await auditOf(filed.id)
    expect(entry).toMatchObject({
      actorId: moderator.id,
      action: 'report.resolve',
      targetType: 'report',
      targetId: filed.id,
      detail: {
        note: 'post taken down',
        reportTargetType: 'post',
        reportTargetId: postId,
        reporterId: member.id,
      },
    })
  })

  it('dismisses a report without a note, by an admin, and audits it', async () => {
    const filed = await json(
      await report({ userId: (await admin.registerUser()).id, reason: 'i dislike them' }),
    )
    const res = await decide(filed.id, { status: 'dismissed' }, chief.token)
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ status: 'dismissed', note: null, resolvedBy: chief.id })
    const [entry] = await auditOf(filed.id)
    expect(entry).toMatchObject({ action: 'report.dismiss', actorId: chief.id })
  })

  it('decides a report once: a second decision is 422 and changes nothing', async () => {
    const filed = await json(
      await report({ userId: (await admin.registerUser()).id, reason: 'spam' }),
    )
    expect((await decide(filed.id, { status: 'dismissed', note: 'no' })).status).toBe(200)
    const again = await decide(filed.id, { status: 'resolved', note: 'yes' }, chief.token)
    expect(again.status).toBe(422)
    const problem = await json(again)
    expect(problem.code).toBe('report-closed')
    expect(problem.errors).toEqual([{ path: 'status', message: expect.any(String) }])
    expect(await queued(filed.id)).toMatchObject({ status: 'dismissed', note: 'no' })
    expect((await auditOf(filed.id)).map((entry) => entry.action)).toEqual(['report.dismiss'])
  })

  it.each([
    ['reopening', { status: 'open' }, 'status'],
    ['no status', { note: 'hm' }, 'status'],
    ['a note over 1000 characters', { status: 'resolved', note: 'x'.repeat(1001) }, 'note'],
    ['an unknown field', { status: 'resolved', resolvedBy: uuidv7() }, ''],
  ])('answers 422 for %s', async (_case, body, path) => {
    const filed = await json(
      await report({ userId: (await admin.registerUser()).id, reason: 'spam' }),
    )
    const res = await decide(filed.id, body)
    expect(res.status).toBe(422)
    const problem = await json(res)
    expect(problem.code).toBe('validation-failed')
    if (path) expect(problem.errors).toContainEqual(expect.objectContaining({ path }))
    expect((await queued(filed.id))?.status).toBe('open')
  })

  it('answers 404 for an unknown report', async () => {
    for (const id of [uuidv7(), 'not-a-uuid']) {
      const res = await decide(id, { status: 'resolved' })
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }
  })

  it('refuses users the queue and the decisions (403), even on their own report', async () => {
    const target = await admin.registerUser()
    const filed = await json(await report({ userId: target.id, reason: 'spam' }, member.token))
    const listed = await admin.request('/api/admin/reports', { token: member.token })
    expect(listed.status).toBe(403)
    expect((await json(listed)).code).toBe('forbidden')
    for (const token of [member.token, target.token]) {
      const res = await decide(filed.id, { status: 'dismissed' }, token)
      expect(res.status).toBe(403)
      expect((await json(res)).code).toBe('forbidden')
    }
    expect((await admin.request('/api/admin/reports')).status).toBe(401)
    expect(await queued(filed.id)).toMatchObject({ status: 'open', resolvedBy: null })
    expect(await auditOf(filed.id)).toEqual([])
  })
})

describe('comment takedown', () => {
  function takedown(commentId: string, body?: unknown, token = moderator.token) {
    return admin.request(`/api/admin/comments/${commentId}`, { method: 'DELETE', body, token })
  }

  it('accepts the takedown, asks posts to remove the comment and audits it', async () => {
    const author = await admin.registerUser()
    const { commentId, postId } = await knownComment(author.id)
    const res = await takedown(commentId, { reason: 'harassment' })
    expect(res.status).toBe(202)
    expect(await json(res)).toEqual({ status: 'accepted' })

    const event = await admin.events.next(
      (m) => m.body.type === 'CommentTakedownRequested' && m.body.data.commentId === commentId,
    )
    expect(event.routingKey).toBe('comment.takedown_requested')
    expect(event.body.producer).toBe('admin')
    expect(event.body.data).toEqual({ commentId, reason: 'harassment', requestedBy: moderator.id })

    const [entry] = await auditOf(commentId)
    expect(entry).toMatchObject({
      actorId: moderator.id,
      action: 'comment.takedown',
      targetType: 'comment',
      targetId: commentId,
      detail: { reason: 'harassment', authorId: author.id, postId },
    })
  })

  it('needs no body', async () => {
    const { commentId } = await knownComment((await admin.registerUser()).id)
    expect((await takedown(commentId, undefined, chief.token)).status).toBe(202)
    const event = await admin.events.next(
      (m) => m.body.type === 'CommentTakedownRequested' && m.body.data.commentId === commentId,
    )
    expect(event.body.data).toMatchObject({ reason: '', requestedBy: chief.id })
  })

  it('answers 404 for an unknown or deleted comment', async () => {
    const author = await admin.registerUser()
    const { commentId, postId } = await knownComment(author.id)
    await admin.deliver(
      CommentDeleted,
      {
        commentId,
        postId,
        postAuthorId: chief.id,
        authorId: author.id,
        deletedBy: author.id,
        deletedAt: new Date().toISOString(),
      },
      { producer: 'posts' },
    )
    // A deletion overtaking the creation leaves the comment deleted.
    const early = commentCreated(postId, author.id, 'late')
    const deleted = await admin.publish(
      CommentDeleted,
      {
        commentId: early.commentId,
        postId,
        postAuthorId: chief.id,
        authorId: author.id,
        deletedBy: author.id,
        deletedAt: new Date().toISOString(),
      },
      { producer: 'posts' },
    )
    const created = await admin.publish(CommentCreated, early, { producer: 'posts' })
    await admin.consumed(deleted.id, created.id)

    for (const id of [uuidv7(), commentId, early.commentId, 'not-a-uuid']) {
      const res = await takedown(id)
      expect(res.status).toBe(404)
      expect((await json(res)).code).toBe('not-found')
    }
    expect(await auditOf(commentId)).toEqual([])
  })

  it('refuses a user with 403 and sends nothing', async () => {
    const { commentId } = await knownComment((await admin.registerUser()).id)
    const res = await takedown(commentId, { reason: 'mine' }, member.token)
    expect(res.status).toBe(403)
    const [row] = await admin.ctx.orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>(
        `select count(*)::int as n from outbox
         where type = 'CommentTakedownRequested' and envelope->'data'->>'commentId' = ?`,
        [commentId],
      )
    expect(row?.n).toBe(0)
  })

  it('answers 422 for a reason over 500 characters', async () => {
    const { commentId } = await knownComment((await admin.registerUser()).id)
    const res = await takedown(commentId, { reason: 'x'.repeat(501) })
    expect(res.status).toBe(422)
    expect((await json(res)).errors).toContainEqual(expect.objectContaining({ path: 'reason' }))
  })
})
