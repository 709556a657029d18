import type { NotificationsContext } from '../context.js'
import { registerCommentConsumers } from './comments.js'
import { registerFollowConsumers } from './follows.js'
import { registerModerationConsumers } from './moderation.js'
import { registerPollConsumers } from './polls.js'
import { registerPostConsumers } from './posts.js'
import { registerReactionConsumers } from './reactions.js'
import { registerUserConsumers } from './users.js'

export function registerConsumers(ctx: NotificationsContext): void {
  registerUserConsumers(ctx)
  registerModerationConsumers(ctx)
  registerFollowConsumers(ctx)
  registerPostConsumers(ctx)
  registerReactionConsumers(ctx)
  registerCommentConsumers(ctx)
  registerPollConsumers(ctx)
}
