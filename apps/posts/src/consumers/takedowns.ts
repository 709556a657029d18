import { PostTakedownRequested } from '@chatty/contracts'
import type { Consumer } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import type { PostsContext } from '../context.js'
import { markDeleted } from '../domain/posts.js'
import { Post } from '../entities/post.entity.js'

/** A moderator's takedown (from admin) removes the post like a delete, naming who and why. */
export function registerTakedownConsumers(ctx: PostsContext, consumer: Consumer): void {
  consumer.on(PostTakedownRequested, async (event, { em, envelope, logger }) => {
    const post = await em.findOne(
      Post,
      { id: event.postId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    )
    if (!post) {
      logger.warn({ postId: event.postId }, 'takedown of an unknown post ignored')
      return
    }
    if (post.deletedAt) return
    markDeleted(
      em,
      post,
      { by: event.requestedBy, at: ctx.clock(), reason: event.reason.slice(0, 500) },
      envelope.correlationId,
    )
  })
}
