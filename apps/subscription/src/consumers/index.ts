import type { SubscriptionContext } from '../context.js'
import { registerFollowConsumers } from './follows.js'
import { registerModerationConsumers } from './moderation.js'
import { registerPollConsumers } from './polls.js'
import { registerPostConsumers } from './posts.js'
import { registerReactionConsumers } from './reactions.js'
import { registerUserConsumers } from './users.js'

export function registerConsumers(ctx: SubscriptionContext): void {
  registerUserConsumers(ctx)
  registerModerationConsumers(ctx)
  registerPostConsumers(ctx)
  registerReactionConsumers(ctx)
  registerPollConsumers(ctx)
  registerFollowConsumers(ctx)
}
