import { PostCreated, PostDeleted, PostUpdated } from '@chatty/contracts'

import type { NotificationsContext } from '../context.js'
import { excerptOf, notify, removeNotifications } from '../domain/notifications.js'
import { mentionedRecipients, recordPost, recordPostDeletion } from '../domain/posts.js'
import { changesPublishedAfterCommit } from './live.js'

/**
 * The posts projection (author, visibility, excerpt) and the `mention` notifications of a new
 * post. A deleted post takes every notification about it along (likes, reposts, comments,
 * mentions, its poll); a takedown reaches here as the PostDeleted posts sends for it.
 */
export function registerPostConsumers(ctx: NotificationsContext): void {
  ctx.messaging.consumer.on(PostCreated, async (event, message) => {
    const { em } = message
    const at = new Date(event.createdAt)
    const post = { authorId: event.authorId, visibility: event.visibility }
    const live = await recordPost(em, {
      id: event.postId,
      ...post,
      excerpt: excerptOf(event.content),
      at,
    })
    if (!live) return
    const recipients = await mentionedRecipients(em, {
      usernames: event.mentions,
      actorId: event.authorId,
      post,
    })
    const changes = changesPublishedAfterCommit(ctx, message)
    for (const recipientId of recipients) {
      await notify(
        em,
        changes,
        { recipientId, type: 'mention', actorId: event.authorId, postId: event.postId },
        at,
        ctx.clock(),
      )
    }
  })

  ctx.messaging.consumer.on(PostUpdated, async (event, { em }) => {
    await recordPost(em, {
      id: event.postId,
      authorId: event.authorId,
      visibility: event.visibility,
      excerpt: excerptOf(event.content),
      at: new Date(event.updatedAt),
    })
  })

  ctx.messaging.consumer.on(PostDeleted, async (event, message) => {
    const { em } = message
    await recordPostDeletion(em, {
      id: event.postId,
      authorId: event.authorId,
      at: new Date(event.deletedAt),
    })
    await removeNotifications(em, changesPublishedAfterCommit(ctx, message), 'post', event.postId)
  })
}
