import { PostLiked, PostReposted, PostUnliked, PostUnreposted } from '@chatty/contracts'

import type { NotificationsContext } from '../context.js'
import { notify, withdraw } from '../domain/notifications.js'
import { isPostDeleted } from '../domain/posts.js'
import { changesPublishedAfterCommit } from './live.js'

const REACTIONS = [
  [PostLiked, 'like', true],
  [PostUnliked, 'like', false],
  [PostReposted, 'repost', true],
  [PostUnreposted, 'repost', false],
] as const

/**
 * `like` and `repost` notify the post's author; their undoing withdraws the notification, and
 * doing it again brings back the same one. `at` orders the events of one pair.
 */
export function registerReactionConsumers(ctx: NotificationsContext): void {
  for (const [definition, type, done] of REACTIONS) {
    ctx.messaging.consumer.on(definition, async (event, message) => {
      const { em } = message
      if (await isPostDeleted(em, event.postId)) return
      const changes = changesPublishedAfterCommit(ctx, message)
      const subject = {
        recipientId: event.postAuthorId,
        type,
        actorId: event.userId,
        postId: event.postId,
      }
      const at = new Date(event.at)
      if (done) await notify(em, changes, subject, at, ctx.clock())
      else await withdraw(em, changes, subject, at)
    })
  }
}
