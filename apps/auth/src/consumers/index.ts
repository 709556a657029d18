import type { AuthContext } from '../context.js'
import { registerFollowConsumers } from './follows.js'
import { registerModerationConsumers } from './moderation.js'
import { registerPostConsumers } from './posts.js'

export function registerConsumers(ctx: AuthContext): void {
  registerModerationConsumers(
    { clock: ctx.clock, revocationMarks: ctx.revocationMarks },
    ctx.messaging.consumer,
  )
  registerFollowConsumers(ctx.messaging.consumer)
  registerPostConsumers(ctx.messaging.consumer)
}
