import { PollClosed } from '@chatty/contracts'

import type { NotificationsContext } from '../context.js'
import { notify } from '../domain/notifications.js'
import { isPostDeleted } from '../domain/posts.js'
import { changesPublishedAfterCommit } from './live.js'

/** A closed poll notifies its author and every voter; nobody caused it, so it has no actor. */
export function registerPollConsumers(ctx: NotificationsContext): void {
  ctx.messaging.consumer.on(PollClosed, async (event, message) => {
    const { em } = message
    if (await isPostDeleted(em, event.postId)) return
    const changes = changesPublishedAfterCommit(ctx, message)
    for (const recipientId of new Set([event.authorId, ...event.voterIds])) {
      await notify(
        em,
        changes,
        { recipientId, type: 'poll-ended', actorId: null, postId: event.postId },
        new Date(event.closedAt),
        ctx.clock(),
      )
    }
  })
}
