import type { PostsContext } from '../context.js'
import { registerAuthorConsumers } from './authors.js'
import { registerFollowConsumers } from './follows.js'
import { registerTakedownConsumers } from './takedowns.js'

export function registerConsumers(ctx: PostsContext): void {
  registerAuthorConsumers(ctx, ctx.messaging.consumer)
  registerFollowConsumers(ctx.messaging.consumer)
  registerTakedownConsumers(ctx, ctx.messaging.consumer)
}
