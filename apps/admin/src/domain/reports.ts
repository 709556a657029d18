import { uuidv7, type Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { NotFoundError, RuleViolationError } from '@chatty/domain'

import { db } from '../db.js'
import { Comment } from '../entities/comment.entity.js'
import { Post } from '../entities/post.entity.js'
import type { ReportStatus, ReportTargetType } from '../entities/report.entity.js'
import { type Status, User } from '../entities/user.entity.js'
import { recordAudit } from './audit.js'
import type { Actor } from './authority.js'
import { isRegistered } from './users.js'

export interface ReportTarget {
  type: ReportTargetType
  id: string
}

/** The body field that names each kind of target, for the errors that point at it. */
export const TARGET_FIELDS = {
  post: 'postId',
  comment: 'commentId',
  user: 'userId',
} as const satisfies Record<ReportTargetType, string>

export interface ReportFiling {
  reporter: { id: string; username: string }
  target: ReportTarget
  reason: string
}

export interface FiledReport {
  id: string
  status: 'open'
  targetType: ReportTargetType
  targetId: string
  reason: string
  createdAt: Date
  /** false: the reporter's open report on this target already existed and is answered instead. */
  created: boolean
}

/**
 * Who is answerable for the target: the author of a post or comment, the account itself. Content
 * admin has not heard of, or knows as deleted, is not found: the reporter cannot be looking at it.
 */
async function ownerOfTarget(em: EntityManager, target: ReportTarget): Promise<string> {
  switch (target.type) {
    case 'post': {
      const post = await em.findOne(Post, { id: target.id, deletedAt: null })
      if (!post) throw new NotFoundError('No such post.')
      return post.authorId
    }
    case 'comment': {
      const comment = await em.findOne(Comment, { id: target.id, deletedAt: null })
      if (!comment) throw new NotFoundError('No such comment.')
      const post = await em.findOne(Post, { id: comment.postId })
      if (post?.deletedAt) throw new NotFoundError('No such comment.')
      return comment.authorId
    }
    case 'user': {
      const user = await em.findOne(User, { id: target.id })
      if (!user || !isRegistered(user) || user.status === 'deleted') {
        throw new NotFoundError('No such user.')
      }
      return user.id
    }
  }
}

/**
 * Files a report, or answers the reporter's report on the same target that is still open: one
 * person flags one thing once, however often they press the button. The partial unique index on
 * open reports settles two concurrent filings.
 */
export async function fileReport(
  em: EntityManager,
  deps: { clock: () => Date },
  filing: ReportFiling,
): Promise<FiledReport> {
  const { reporter, target } = filing
  if ((await ownerOfTarget(em, target)) === reporter.id) {
    const path = TARGET_FIELDS[target.type]
    throw new RuleViolationError(
      'cannot-report-self',
      'You cannot report yourself or what you wrote.',
      [{ path, message: 'This is you or your own content.' }],
    )
  }
  const now = deps.clock()
  const inserted = await db(em)
    .insertInto('reports')
    .values({
      id: uuidv7(now.getTime()),
      reporter_id: reporter.id,
      reporter_username: reporter.username,
      target_type: target.type,
      target_id: target.id,
      reason: filing.reason,
      status: 'open',
      created_at: now,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['reporter_id', 'target_type', 'target_id'])
        .where('status', '=', 'open')
        .doNothing(),
    )
    .returning(['id', 'reason', 'created_at'])
    .executeTakeFirst()
  const report =
    inserted ??
    (await db(em)
      .selectFrom('reports')
      .select(['id', 'reason', 'created_at'])
      .where('reporter_id', '=', reporter.id)
      .where('target_type', '=', target.type)
      .where('target_id', '=', target.id)
      .where('status', '=', 'open')
      .executeTakeFirst())
  // The open report that conflicted was closed in between: this filing is a new report after all.
  if (!report) return fileReport(em, deps, filing)
  return {
    id: report.id,
    status: 'open',
    targetType: target.type,
    targetId: target.id,
    reason: report.reason,
    createdAt: report.created_at,
    created: inserted !== undefined,
  }
}

export type ReportTargetView =
  | {
      type: 'post'
      id: string
      authorId: string
      title: string | null
      /** null: admin has not received the post's text yet. */
      content: string | null
      visibility: Visibility | null
      deleted: boolean
    }
  | {
      type: 'comment'
      id: string
      postId: string
      authorId: string
      content: string | null
      deleted: boolean
    }
  | { type: 'user'; id: string; username: string; displayName: string; status: Status }

export interface ReportView {
  id: string
  status: ReportStatus
  reason: string
  note: string | null
  targetType: ReportTargetType
  targetId: string
  target: ReportTargetView
  reporter: { id: string; username: string }
  resolvedBy: string | null
  resolvedAt: Date | null
  createdAt: Date
}

export interface ReportSearch {
  /** Unset: every status. */
  status?: ReportStatus | undefined
  targetType?: ReportTargetType | undefined
  /** Only this report (a single read). */
  id?: string | undefined
  /** The id of the last report of the previous page. */
  afterId?: string | undefined
  limit: number
}

/**
 * Reports with their targets as they read now, newest first: up to `limit + 1`, the extra one
 * telling the caller there is another page. One query joins each report to the projection of its
 * kind of target.
 */
export async function findReports(em: EntityManager, search: ReportSearch): Promise<ReportView[]> {
  let query = db(em)
    .selectFrom('reports as r')
    .leftJoin('posts as p', (join) =>
      join.onRef('p.id', '=', 'r.target_id').on('r.target_type', '=', 'post'),
    )
    .leftJoin('comments as c', (join) =>
      join.onRef('c.id', '=', 'r.target_id').on('r.target_type', '=', 'comment'),
    )
    .leftJoin('posts as cp', 'cp.id', 'c.post_id')
    .leftJoin('users as u', (join) =>
      join.onRef('u.id', '=', 'r.target_id').on('r.target_type', '=', 'user'),
    )
    .selectAll('r')
    .select([
      'p.author_id as post_author_id',
      'p.title as post_title',
      'p.content as post_content',
      'p.visibility as post_visibility',
      'p.deleted_at as post_deleted_at',
      'c.post_id as comment_post_id',
      'c.author_id as comment_author_id',
      'c.content as comment_content',
      'c.deleted_at as comment_deleted_at',
      'cp.deleted_at as comment_post_deleted_at',
      'u.username as user_username',
      'u.display_name as user_display_name',
      'u.status as user_status',
    ])
  if (search.status) query = query.where('r.status', '=', search.status)
  if (search.targetType) query = query.where('r.target_type', '=', search.targetType)
  if (search.id) query = query.where('r.id', '=', search.id)
  // Ids are UUIDv7 from the creation time, so ordering by id is ordering by time.
  if (search.afterId) query = query.where('r.id', '<', search.afterId)
  const rows = await query
    .orderBy('r.id', 'desc')
    .limit(search.limit + 1)
    .execute()

  return rows.map((row) => {
    const missing = () =>
      new Error(`report ${row.id}: its ${row.target_type} ${row.target_id} left admin's projection`)
    let target: ReportTargetView
    switch (row.target_type) {
      case 'post':
        if (row.post_author_id == null) throw missing()
        target = {
          type: 'post',
          id: row.target_id,
          authorId: row.post_author_id,
          title: row.post_title ?? null,
          content: row.post_content ?? null,
          visibility: row.post_visibility ?? null,
          deleted: row.post_deleted_at != null,
        }
        break
      case 'comment':
        if (row.comment_post_id == null || row.comment_author_id == null) throw missing()
        target = {
          type: 'comment',
          id: row.target_id,
          postId: row.comment_post_id,
          authorId: row.comment_author_id,
          content: row.comment_content ?? null,
          // A comment on a deleted post is gone from every read with it.
          deleted: row.comment_deleted_at != null || row.comment_post_deleted_at != null,
        }
        break
      case 'user':
        if (row.user_username == null || row.user_display_name == null || row.user_status == null) {
          throw missing()
        }
        target = {
          type: 'user',
          id: row.target_id,
          username: row.user_username,
          displayName: row.user_display_name,
          status: row.user_status,
        }
        break
    }
    return {
      id: row.id,
      status: row.status,
      reason: row.reason,
      note: row.note ?? null,
      targetType: row.target_type,
      targetId: row.target_id,
      target,
      reporter: { id: row.reporter_id, username: row.reporter_username },
      resolvedBy: row.resolved_by ?? null,
      resolvedAt: row.resolved_at ?? null,
      createdAt: row.created_at,
    }
  })
}

export interface ReportDecision {
  actor: Actor
  reportId: string
  status: 'resolved' | 'dismissed'
  note?: string | undefined
}

/**
 * Closes an open report as resolved or dismissed, with the moderator's note, and audits it. A
 * report is decided once: of two moderators closing it at the same time, the second is told it
 * is closed already rather than overwriting the first one's decision.
 */
export async function decideReport(
  em: EntityManager,
  deps: { clock: () => Date },
  decision: ReportDecision,
): Promise<ReportView> {
  const { actor, reportId } = decision
  const now = deps.clock()
  const closed = await db(em)
    .updateTable('reports')
    .set({
      status: decision.status,
      note: decision.note ?? null,
      resolved_by: actor.id,
      resolved_at: now,
    })
    .where('id', '=', reportId)
    .where('status', '=', 'open')
    .returning(['reporter_id', 'target_type', 'target_id'])
    .executeTakeFirst()
  if (!closed) {
    const existing = await db(em)
      .selectFrom('reports')
      .select('status')
      .where('id', '=', reportId)
      .executeTakeFirst()
    if (!existing) throw new NotFoundError('No such report.')
    throw new RuleViolationError('report-closed', `This report is ${existing.status} already.`, [
      { path: 'status', message: `The report is ${existing.status} already.` },
    ])
  }
  recordAudit(em, {
    actorId: actor.id,
    action: decision.status === 'resolved' ? 'report.resolve' : 'report.dismiss',
    targetType: 'report',
    targetId: reportId,
    detail: {
      note: decision.note ?? null,
      reportTargetType: closed.target_type,
      reportTargetId: closed.target_id,
      reporterId: closed.reporter_id,
    },
    at: now,
  })
  const [view] = await findReports(em, { id: reportId, limit: 1 })
  if (!view) throw new NotFoundError('No such report.')
  return view
}
