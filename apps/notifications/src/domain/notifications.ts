import { uuidv7 } from '@chatty/contracts'
import {
  addToCounterShard,
  type EntityManager,
  preparedQuery,
  type ShardedCounter,
} from '@chatty/db'
import { sql } from 'kysely'

import { db } from '../db.js'
import type { NotificationType } from '../entities/notification.entity.js'
import type { LiveChanges } from './live-changes.js'
import { standingsOf } from './users.js'

export const UNREAD_COUNTERS: ShardedCounter = {
  table: 'unread_counters',
  key: 'user_id',
  shards: 4,
}

/** What a notification is about: grouped by recipient, type, actor and target. */
export interface NotificationSubject {
  recipientId: string
  type: NotificationType
  /** Null when nobody caused it (a poll that ended). */
  actorId: string | null
  postId?: string | null
  commentId?: string | null
  commentExcerpt?: string | null
}

const EXCERPT_LENGTH = 100

/** The start of a text as a notification shows it: whitespace collapsed, at most 100 characters. */
export function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length <= EXCERPT_LENGTH ? flat : `${flat.slice(0, EXCERPT_LENGTH - 1)}…`
}

/** The grouping key beside the recipient: type, actor and target (a comment, else a post). */
export function groupKeyOf(subject: NotificationSubject): string {
  const target = subject.commentId ?? subject.postId ?? '-'
  return `${subject.type}:${subject.actorId ?? '-'}:${target}`
}

interface NotificationState {
  id: string
  active: boolean
  actor_hidden: boolean
  read_at: Date | null
  changed_at: Date
}

/** Counted as unread: active, its actor shown, not read. */
function isUnread(state: Pick<NotificationState, 'active' | 'actor_hidden' | 'read_at'>): boolean {
  return state.active && !state.actor_hidden && state.read_at === null
}

/** Moves a user's unread count by `by`, in the caller's transaction, and marks it for the streams. */
async function moveUnread(
  em: EntityManager,
  changes: LiveChanges,
  userId: string,
  by: number,
): Promise<void> {
  if (by === 0) return
  await addToCounterShard(em, UNREAD_COUNTERS, userId, { unread: by })
  changes.counts.add(userId)
}

/** Moves several users' counts, in user id order so two such transactions never deadlock. */
async function moveUnreadOf(
  em: EntityManager,
  changes: LiveChanges,
  rows: readonly { recipient_id: string; unread: boolean }[],
  sign: 1 | -1,
): Promise<void> {
  const moves = new Map<string, number>()
  for (const row of rows) {
    if (row.unread) moves.set(row.recipient_id, (moves.get(row.recipient_id) ?? 0) + sign)
  }
  for (const userId of [...moves.keys()].sort()) {
    await moveUnread(em, changes, userId, moves.get(userId) ?? 0)
  }
}

const lockedStateQuery = preparedQuery((em, values: { recipientId: string; groupKey: string }) =>
  db(em)
    .selectFrom('notifications')
    .select(['id', 'active', 'actor_hidden', 'read_at', 'changed_at'])
    .where('recipient_id', '=', values.recipientId)
    .where('group_key', '=', values.groupKey)
    .forUpdate(),
)

/** The notification of a subject, locked for the caller's transaction. */
async function lockedState(
  em: EntityManager,
  subject: NotificationSubject,
): Promise<NotificationState | undefined> {
  const [state] = await lockedStateQuery(em, {
    recipientId: subject.recipientId,
    groupKey: groupKeyOf(subject),
  })
  return state
}

const insertStateQuery = preparedQuery(
  (
    em,
    values: {
      id: string
      recipientId: string
      type: NotificationType
      actorId: string | null
      postId: string | null
      commentId: string | null
      commentExcerpt: string | null
      groupKey: string
      active: boolean
      actorHidden: boolean
      at: Date
    },
  ) =>
    db(em)
      .insertInto('notifications')
      .values({
        id: values.id,
        recipient_id: values.recipientId,
        type: values.type,
        actor_id: values.actorId,
        post_id: values.postId,
        comment_id: values.commentId,
        comment_excerpt: values.commentExcerpt,
        group_key: values.groupKey,
        active: values.active,
        actor_hidden: values.actorHidden,
        changed_at: values.at,
        created_at: values.at,
      })
      .onConflict((conflict) => conflict.columns(['recipient_id', 'group_key']).doNothing())
      .returning('id'),
)

/** Inserts a subject's row; false when a concurrent transaction inserted it first. */
async function insertState(
  em: EntityManager,
  subject: NotificationSubject,
  state: { id: string; active: boolean; actorHidden: boolean; at: Date },
): Promise<boolean> {
  const inserted = await insertStateQuery(em, {
    id: state.id,
    recipientId: subject.recipientId,
    type: subject.type,
    actorId: subject.actorId,
    postId: subject.postId ?? null,
    commentId: subject.commentId ?? null,
    commentExcerpt: subject.commentExcerpt ?? null,
    groupKey: groupKeyOf(subject),
    active: state.active,
    actorHidden: state.actorHidden,
    at: state.at,
  })
  return inserted.length > 0
}

const setActiveQuery = preparedQuery((em, values: { id: string; active: boolean; at: Date }) =>
  db(em)
    .updateTable('notifications')
    .set({ active: values.active, changed_at: values.at })
    .where('id', '=', values.id),
)

/**
 * Notifies `subject.recipientId` of an action done at `at`, in the caller's transaction: a new
 * notification, or the one of an earlier identical action brought back (keeping its id and read
 * state). Nothing for one's own actions, for a deleted recipient or actor, or when a later change
 * of the same subject (an unlike after this like) was applied already.
 */
export async function notify(
  em: EntityManager,
  changes: LiveChanges,
  subject: NotificationSubject,
  at: Date,
  now: Date,
): Promise<void> {
  if (subject.actorId === subject.recipientId) return
  const standings = await standingsOf(
    em,
    subject.actorId ? [subject.recipientId, subject.actorId] : [subject.recipientId],
    now,
  )
  if (standings.get(subject.recipientId) === 'deleted') return
  const actor = (subject.actorId && standings.get(subject.actorId)) || 'shown'
  if (actor === 'deleted') return
  const existing = await lockedState(em, subject)
  if (!existing) {
    const id = uuidv7()
    const actorHidden = actor === 'hidden'
    if (!(await insertState(em, subject, { id, active: true, actorHidden, at }))) {
      return notify(em, changes, subject, at, now)
    }
    changes.created.push({ id, recipientId: subject.recipientId })
    if (!actorHidden) await moveUnread(em, changes, subject.recipientId, 1)
    return
  }
  if (existing.changed_at > at) return
  await setActiveQuery(em, { id: existing.id, active: true, at })
  if (!existing.active && isUnread({ ...existing, active: true })) {
    await moveUnread(em, changes, subject.recipientId, 1)
  }
}

/**
 * Withdraws the notification of an action undone at `at` (unfollow, unlike, unrepost). The row
 * stays, inactive, with that time: the same action again brings it back, and an event of the
 * action older than the undoing (arriving late) is ignored. When the undoing arrives first, the
 * row is written inactive so the late action stays undone.
 */
export async function withdraw(
  em: EntityManager,
  changes: LiveChanges,
  subject: NotificationSubject,
  at: Date,
): Promise<void> {
  if (subject.actorId === subject.recipientId) return
  const existing = await lockedState(em, subject)
  if (!existing) {
    const written = await insertState(em, subject, {
      id: uuidv7(),
      active: false,
      actorHidden: false,
      at,
    })
    if (!written) await withdraw(em, changes, subject, at)
    return
  }
  if (existing.changed_at > at) return
  await setActiveQuery(em, { id: existing.id, active: false, at })
  if (isUnread(existing)) await moveUnread(em, changes, subject.recipientId, -1)
}

type NotificationFilter = 'post' | 'comment' | 'actor' | 'recipient'
const FILTER_COLUMNS = {
  post: 'post_id',
  comment: 'comment_id',
  actor: 'actor_id',
  recipient: 'recipient_id',
} as const

/** Deletes every notification about a post, a comment, by an actor or to a recipient. */
export async function removeNotifications(
  em: EntityManager,
  changes: LiveChanges,
  filter: NotificationFilter,
  id: string,
): Promise<void> {
  const removed = await db(em)
    .deleteFrom('notifications')
    .where(FILTER_COLUMNS[filter], '=', id)
    .returning(['recipient_id', 'active', 'actor_hidden', 'read_at'])
    .execute()
  const others = filter === 'recipient' ? [] : removed
  await moveUnreadOf(
    em,
    changes,
    others.map((row) => ({ recipient_id: row.recipient_id, unread: isUnread(row) })),
    -1,
  )
}

/**
 * Hides (a ban) or shows again (an unban) every notification an actor caused, moving the unread
 * counts of their recipients.
 */
export async function setActorHidden(
  em: EntityManager,
  changes: LiveChanges,
  actorId: string,
  hidden: boolean,
): Promise<void> {
  const rows = await db(em)
    .updateTable('notifications')
    .set({ actor_hidden: hidden })
    .where('actor_id', '=', actorId)
    .where('actor_hidden', '=', !hidden)
    .returning(['recipient_id', 'active', 'read_at'])
    .execute()
  await moveUnreadOf(
    em,
    changes,
    rows.map((row) => ({ recipient_id: row.recipient_id, unread: row.active && !row.read_at })),
    hidden ? -1 : 1,
  )
}

/** A user's unread notifications: the sum of their counter shards. */
export async function unreadCount(em: EntityManager, userId: string): Promise<number> {
  const counts = await unreadCounts(em, [userId])
  return counts.get(userId) ?? 0
}

/** Several users' unread counts at once. */
export async function unreadCounts(
  em: EntityManager,
  userIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map(userIds.map((id) => [id, 0]))
  if (userIds.length === 0) return counts
  const rows = await db(em)
    .selectFrom('unread_counters')
    .select(['user_id', sql<string>`sum(unread)`.as('unread')])
    .where('user_id', 'in', userIds)
    .groupBy('user_id')
    .execute()
  for (const row of rows) counts.set(row.user_id, Number(row.unread))
  return counts
}

/** A recipient's notification is shown: active, and its actor is not hidden. */
function shownOf(em: EntityManager, recipientId: string) {
  return db(em)
    .updateTable('notifications')
    .where('recipient_id', '=', recipientId)
    .where('active', '=', true)
    .where('actor_hidden', '=', false)
}

/**
 * Marks one of the recipient's shown notifications read; false when there is none with that id
 * (someone else's included).
 */
export async function markRead(
  em: EntityManager,
  changes: LiveChanges,
  input: { recipientId: string; id: string; now: Date },
): Promise<boolean> {
  const updated = await shownOf(em, input.recipientId)
    .set({ read_at: input.now })
    .where('id', '=', input.id)
    .where('read_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  if (updated) {
    await moveUnread(em, changes, input.recipientId, -1)
    return true
  }
  const shown = await db(em)
    .selectFrom('notifications')
    .select('id')
    .where('id', '=', input.id)
    .where('recipient_id', '=', input.recipientId)
    .where('active', '=', true)
    .where('actor_hidden', '=', false)
    .executeTakeFirst()
  return shown !== undefined
}

/** Marks every shown notification of the recipient read; answers how many were unread. */
export async function markAllRead(
  em: EntityManager,
  changes: LiveChanges,
  input: { recipientId: string; now: Date },
): Promise<number> {
  const updated = await shownOf(em, input.recipientId)
    .set({ read_at: input.now })
    .where('read_at', 'is', null)
    .returning('id')
    .execute()
  await moveUnread(em, changes, input.recipientId, -updated.length)
  return updated.length
}

/** Deletes one of the recipient's shown notifications; false when there is none with that id. */
export async function deleteNotification(
  em: EntityManager,
  changes: LiveChanges,
  input: { recipientId: string; id: string },
): Promise<boolean> {
  const deleted = await db(em)
    .deleteFrom('notifications')
    .where('id', '=', input.id)
    .where('recipient_id', '=', input.recipientId)
    .where('active', '=', true)
    .where('actor_hidden', '=', false)
    .returning('read_at')
    .executeTakeFirst()
  if (!deleted) return false
  if (deleted.read_at === null) await moveUnread(em, changes, input.recipientId, -1)
  return true
}
