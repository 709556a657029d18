import type { EntityManager } from '@chatty/db'
import type { Logger } from '@chatty/logger'
import type { Redis } from 'ioredis'

import type { LiveChanges } from './live-changes.js'
import { liveChannel, type LiveMessage } from './live-channel.js'
import { unreadCounts } from './notifications.js'
import { notificationsById, toNotificationView } from './views.js'

/**
 * Publishes committed changes on the recipients' Redis channels: each new notification, then the
 * unread count of every recipient whose count moved. Whichever replica holds a recipient's stream
 * writes them out.
 */
export async function publishLiveChanges(
  em: EntityManager,
  redis: Redis,
  changes: LiveChanges,
): Promise<void> {
  if (changes.created.length === 0 && changes.counts.size === 0) return
  const rows = await notificationsById(em, changes.created)
  const counts = await unreadCounts(em, [...changes.counts])
  const messages = redis.pipeline()
  const send = (userId: string, message: LiveMessage) =>
    messages.publish(liveChannel(userId), JSON.stringify(message))
  for (const row of rows) {
    send(row.recipient_id, { event: 'notification', data: toNotificationView(row) })
  }
  for (const [userId, count] of counts) send(userId, { event: 'unread-count', data: { count } })
  const results = await messages.exec()
  for (const [error] of results ?? []) if (error) throw error
}

/**
 * `publishLiveChanges` once a request's transaction committed. The change itself stands, so a
 * failure (Redis down) is logged, not answered: open streams then miss this update.
 */
export async function publishCommitted(
  em: EntityManager,
  redis: Redis,
  changes: LiveChanges,
  logger: Logger,
): Promise<void> {
  await publishLiveChanges(em, redis, changes).catch((error: unknown) => {
    logger.warn({ err: error }, 'cannot publish live notification changes')
  })
}
