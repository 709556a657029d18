import { CommentCreated, CommentDeleted } from '@chatty/contracts'

import type { NotificationsContext } from '../context.js'
import { db } from '../db.js'
import { excerptOf, notify, removeNotifications } from '../domain/notifications.js'
import { findPost, isPostDeleted, mentionedRecipients } from '../domain/posts.js'
import type { NotificationType } from '../entities/notification.entity.js'
import { changesPublishedAfterCommit } from './live.js'

/**
 * A comment notifies each person once, by the closest reason: `reply` the author of the comment
 * it answers, `comment` the post's author, `mention` the accounts it mentions that may see the
 * post. Its deletion (by its author, the post's author or a moderator's takedown, all of which
 * posts sends as CommentDeleted) withdraws them all.
 */
export function registerCommentConsumers(ctx: NotificationsContext): void {
  ctx.messaging.consumer.on(CommentCreated, async (event, message) => {
    const { em } = message
    if (await isPostDeleted(em, event.postId)) return
    await db(em)
      .insertInto('comments')
      .values({ id: event.commentId, post_id: event.postId })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute()
    const comment = await db(em)
      .selectFrom('comments')
      .select('deleted_at')
      .where('id', '=', event.commentId)
      .executeTakeFirstOrThrow()
    if (comment.deleted_at !== null) return

    const post = await findPost(em, event.postId)
    // The post's visibility decides who may be mentioned; unknown yet, nobody is.
    const mentioned = post
      ? await mentionedRecipients(em, {
          usernames: event.mentions,
          actorId: event.authorId,
          post: { authorId: post.author_id, visibility: post.visibility },
        })
      : []
    const reasons: [string | null, NotificationType][] = [
      [event.parentAuthorId, 'reply'],
      [event.postAuthorId, 'comment'],
      ...mentioned.map((id): [string, NotificationType] => [id, 'mention']),
    ]
    const notified = new Set<string>([event.authorId])
    const changes = changesPublishedAfterCommit(ctx, message)
    for (const [recipientId, type] of reasons) {
      if (recipientId === null || notified.has(recipientId)) continue
      notified.add(recipientId)
      await notify(
        em,
        changes,
        {
          recipientId,
          type,
          actorId: event.authorId,
          postId: event.postId,
          commentId: event.commentId,
          commentExcerpt: excerptOf(event.content),
        },
        new Date(event.createdAt),
        ctx.clock(),
      )
    }
  })

  ctx.messaging.consumer.on(CommentDeleted, async (event, message) => {
    const { em } = message
    const deletedAt = new Date(event.deletedAt)
    await db(em)
      .insertInto('comments')
      .values({ id: event.commentId, post_id: event.postId, deleted_at: deletedAt })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          deleted_at: eb.fn.coalesce('comments.deleted_at', 'excluded.deleted_at'),
        })),
      )
      .execute()
    const changes = changesPublishedAfterCommit(ctx, message)
    await removeNotifications(em, changes, 'comment', event.commentId)
  })
}
