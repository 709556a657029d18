import { Followed, Unfollowed } from '@chatty/contracts'

import type { SubscriptionContext } from '../context.js'
import { syncFollowInFeed } from '../domain/fan-out.js'

/**
 * The feed side of our own follow events. Done here rather than in the request so a Redis
 * failure is retried by the messaging layer instead of leaving a half-written feed.
 */
export function registerFollowConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(Followed, (event, { em }) => syncFollowInFeed(em, ctx, event))
  ctx.messaging.consumer.on(Unfollowed, (event, { em }) => syncFollowInFeed(em, ctx, event))
}
