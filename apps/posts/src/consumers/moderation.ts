import {
  CommentTakedownRequested,
  PostTakedownRequested,
  UserBanned,
  UserDeleted,
  UserUnbanned,
} from '@chatty/contracts'
import { isStaleModeration } from '@chatty/domain'
import type { Consumer } from '@chatty/messaging'

import type { PostsContext } from '../context.js'
import { ensureAuthor } from '../domain/authors.js'
import { takeDownComment } from '../domain/comments.js'
import { discardMedia } from '../domain/media.js'
import { takeDownPost } from '../domain/posts.js'
import { recountContributionsLater } from '../domain/standing-walk.js'

/**
 * What moderators decide, applied to posts: bans, unbans and deletions set the author's standing
 * (which hides their posts, comments and reactions and refuses new ones, see `domain/posts.ts`,
 * and moves their likes, reposts and comments out of or back into the counts, see
 * `domain/standing-walk.ts`), and a
 * takedown removes one post or comment. Events can arrive out of order; one older than the last
 * applied decision is ignored.
 */
export function registerModerationConsumers(
  consumer: Consumer,
  deps: Pick<PostsContext, 'clock'> & {
    /** Deletes a taken-down post's pictures after the takedown commits. */
    removeMediaOfDeletedPost: (postId: string) => Promise<void>
  },
): void {
  consumer.on(UserBanned, async (event, { em }) => {
    const author = await ensureAuthor(em, deps, { id: event.userId, lock: true })
    const at = new Date(event.bannedAt)
    if (author.status === 'deleted' || isStaleModeration(author, at)) return
    author.status = 'banned'
    author.bannedUntil = event.until ? new Date(event.until) : null
    author.moderatedAt = at
    author.updatedAt = deps.clock()
    recountContributionsLater(author)
    // Their pictures go for good, attached or not (see decisions.md); the media job removes them.
    await discardMedia(em, { ownerId: event.userId }, deps.clock())
  })

  consumer.on(UserUnbanned, async (event, { em }) => {
    const author = await ensureAuthor(em, deps, { id: event.userId, lock: true })
    const at = new Date(event.unbannedAt)
    // Recorded even when no ban is known yet, so a ban that arrives late and is older stays ignored.
    if (author.status === 'deleted' || isStaleModeration(author, at)) return
    author.status = 'active'
    author.bannedUntil = null
    author.moderatedAt = at
    author.updatedAt = deps.clock()
    recountContributionsLater(author)
    // Their pictures go for good, attached or not (see decisions.md); the media job removes them.
    await discardMedia(em, { ownerId: event.userId }, deps.clock())
  })

  consumer.on(UserDeleted, async (event, { em, envelope }) => {
    const author = await ensureAuthor(em, deps, { id: event.userId, lock: true })
    if (author.status === 'deleted') return
    author.status = 'deleted'
    author.bannedUntil = null
    author.moderatedAt = new Date(envelope.occurredAt)
    author.updatedAt = deps.clock()
    recountContributionsLater(author)
    // Their pictures go for good, attached or not (see decisions.md); the media job removes them.
    await discardMedia(em, { ownerId: event.userId }, deps.clock())
  })

  consumer.on(PostTakedownRequested, async (event, { em, envelope, logger, afterCommit }) => {
    const outcome = await takeDownPost(em, deps, {
      postId: event.postId,
      requestedBy: event.requestedBy,
      reason: event.reason,
      correlationId: envelope.correlationId,
    })
    if (outcome === 'not-found') {
      logger.warn({ postId: event.postId }, 'takedown of an unknown post ignored')
    }
    if (outcome === 'taken-down') afterCommit(() => deps.removeMediaOfDeletedPost(event.postId))
  })

  consumer.on(CommentTakedownRequested, async (event, { em, envelope, logger }) => {
    const outcome = await takeDownComment(em, deps, {
      commentId: event.commentId,
      requestedBy: event.requestedBy,
      reason: event.reason,
      correlationId: envelope.correlationId,
    })
    if (outcome === 'not-found') {
      logger.warn({ commentId: event.commentId }, 'takedown of an unknown comment ignored')
    }
  })
}
