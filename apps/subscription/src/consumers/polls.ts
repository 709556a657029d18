import { PollVoted } from '@chatty/contracts'

import type { SubscriptionContext } from '../context.js'
import { recordVote } from '../domain/polls.js'

/**
 * Each voter's choices, for `myChoices` in feed items (counts come from posts'
 * PostCountsChanged; the poll itself with PostCreated).
 */
export function registerPollConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(PollVoted, (event, { em }) => recordVote(em, event))
}
