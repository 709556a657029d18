import type { EntityManager } from '@chatty/db'
import type { Logger } from '@chatty/logger'
import type { Redis } from 'ioredis'

import type { LiveChanges } from './live-changes.js'
import { liveChannel, type LiveMessage } from './live-channel.js'
import { unreadCounts } from './notifications.js'
import { notificationsById, toNotificationView } from './views.js'

/**
 * Of `userIds`, those with a stream open on some replica now: their channels have a subscriber.
 * A stream subscribes before it reads the unread count it starts with, so a change committed
 * before this check is in that count when the stream opens after it.
 */
export async function listeningUsers(
  redis: Redis,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set()
  const reply = (await redis.pubsub('NUMSUB', ...userIds.map(liveChannel))) as (string | number)[]
  const listening = new Set<string>()
  userIds.forEach((userId, index) => {
    if (Number(reply[index * 2 + 1]) > 0) listening.add(userId)
  })
  return listening
}

/**
 * Publishes committed changes on the recipients' Redis channels: each new notification, then the
 * unread count of every recipient whose count moved. Whichever replica holds a recipient's stream
 * writes them out. Recipients without an open stream (most of them, most of the time) cost one
 * Redis command for all, and no query.
 */
export async function publishLiveChanges(
  em: EntityManager,
  redis: Redis,
  changes: LiveChanges,
): Promise<void> {
  const recipients = new Set([...changes.created.map((c) => c.recipientId), ...changes.counts])
  const listening = await listeningUsers(redis, [...recipients])
  if (listening.size === 0) return
  const created = changes.created.filter((c) => listening.has(c.recipientId)).map((c) => c.id)
  const rows = await notificationsById(em, created)
  const counts = await unreadCounts(
    em,
    [...changes.counts].filter((u) => listening.has(u)),
  )
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
