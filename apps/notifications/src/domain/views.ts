import type { EntityManager } from '@chatty/db'
import { z } from '@hono/zod-openapi'

import { db } from '../db.js'
import type { NotificationType } from '../entities/notification.entity.js'

/** A notification as API.md shows it. */
export interface NotificationView {
  id: string
  type: NotificationType
  actor: { id: string; username: string; displayName: string; avatarUrl: string | null } | null
  post: { id: string; excerpt: string } | null
  comment: { id: string; excerpt: string } | null
  read: boolean
  createdAt: string
}

/** Where a page of notifications ends: the last one's time and id. */
export const notificationPositionSchema = z.object({ at: z.iso.datetime(), id: z.uuid() })
export type NotificationPosition = z.infer<typeof notificationPositionSchema>

/**
 * The notifications a recipient is shown, with what they show: active, the actor not hidden and
 * known by name (an actor whose UserRegistered has not arrived yet is not shown yet).
 */
function shownNotifications(em: EntityManager) {
  return db(em)
    .selectFrom('notifications as n')
    .leftJoin('users as a', 'a.id', 'n.actor_id')
    .leftJoin('posts as p', 'p.id', 'n.post_id')
    .select([
      'n.id',
      'n.type',
      'n.actor_id',
      'a.username',
      'a.display_name',
      'a.avatar_url',
      'n.post_id',
      'p.excerpt',
      'n.comment_id',
      'n.comment_excerpt',
      'n.read_at',
      'n.created_at',
    ])
    .where('n.active', '=', true)
    .where('n.actor_hidden', '=', false)
    .where((eb) => eb.or([eb('n.actor_id', 'is', null), eb('a.username', 'is not', null)]))
}

export type NotificationListRow = Awaited<
  ReturnType<ReturnType<typeof shownNotifications>['execute']>
>[number]

export function toNotificationView(row: NotificationListRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    actor:
      row.actor_id === null || row.username === null
        ? null
        : {
            id: row.actor_id,
            username: row.username,
            displayName: row.display_name ?? '',
            avatarUrl: row.avatar_url ?? null,
          },
    post: row.post_id === null ? null : { id: row.post_id, excerpt: row.excerpt ?? '' },
    comment:
      row.comment_id === null ? null : { id: row.comment_id, excerpt: row.comment_excerpt ?? '' },
    read: row.read_at !== null,
    createdAt: row.created_at.toISOString(),
  }
}

/** One page of a recipient's notifications, newest first (`rows` is the page size + 1). */
export function listNotifications(
  em: EntityManager,
  input: {
    recipientId: string
    unread: boolean
    type?: NotificationType
    position?: NotificationPosition
    rows: number
  },
): Promise<NotificationListRow[]> {
  let query = shownNotifications(em).where('n.recipient_id', '=', input.recipientId)
  if (input.unread) query = query.where('n.read_at', 'is', null)
  if (input.type) query = query.where('n.type', '=', input.type)
  const { position } = input
  if (position) {
    query = query.where((eb) =>
      eb(eb.refTuple('n.created_at', 'n.id'), '<', eb.tuple(new Date(position.at), position.id)),
    )
  }
  return query.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(input.rows).execute()
}

/** Shown notifications by id (any recipient), for the live streams. */
export function notificationsById(
  em: EntityManager,
  ids: readonly string[],
): Promise<(NotificationListRow & { recipient_id: string })[]> {
  if (ids.length === 0) return Promise.resolve([])
  return shownNotifications(em).select('n.recipient_id').where('n.id', 'in', ids).execute()
}

/** One of the recipient's shown notifications. */
export function findNotification(
  em: EntityManager,
  recipientId: string,
  id: string,
): Promise<NotificationListRow | undefined> {
  return shownNotifications(em)
    .where('n.recipient_id', '=', recipientId)
    .where('n.id', '=', id)
    .executeTakeFirst()
}
