import type { MessageContext } from '@chatty/messaging'

import type { NotificationsContext } from '../context.js'
import { type LiveChanges, liveChanges } from '../domain/live-changes.js'
import { publishLiveChanges } from '../domain/live-delivery.js'

/**
 * The changes a handler makes, published on the recipients' live channels once its transaction
 * commits (never before: a stream must not show what a rollback takes back).
 */
export function changesPublishedAfterCommit(
  ctx: NotificationsContext,
  message: Pick<MessageContext, 'afterCommit'>,
): LiveChanges {
  const changes = liveChanges()
  message.afterCommit(() => publishLiveChanges(ctx.orm.em.fork(), ctx.redis, changes))
  return changes
}
