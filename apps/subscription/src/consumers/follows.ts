import { Followed, Unfollowed } from '@chatty/contracts'

import type { SubscriptionContext } from '../context.js'
import { syncFollowInFeed } from '../domain/fan-out.js'
import { dropFollowOfDeletedAccount, lockFollow } from '../domain/follows.js'

/**
 * The feed side of our own follow events. Done here rather than in the request so a Redis
 * failure is retried by the messaging layer instead of leaving a half-written feed. A follow of
 * or by an account deleted meanwhile does not stand: it is undone first.
 */
export function registerFollowConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(Followed, async (event, { em, envelope }) => {
    await lockFollow(em, event)
    await dropFollowOfDeletedAccount(em, ctx, {
      followerId: event.followerId,
      followeeId: event.followeeId,
      correlationId: envelope.correlationId,
    })
    await syncFollowInFeed(em, ctx, event)
  })
  ctx.messaging.consumer.on(Unfollowed, async (event, { em }) => {
    await lockFollow(em, event)
    await syncFollowInFeed(em, ctx, event)
  })
}
