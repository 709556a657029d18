import type { PostsContext } from '../context.js'
import { registerAuthorConsumers } from './authors.js'
import { registerFollowConsumers } from './follows.js'
import { registerTakedownConsumers } from './takedowns.js'

export function registerConsumers(ctx: PostsContext): void {
  registerAuthorConsumers(ctx, ctx.consumer)
  registerFollowConsumers(ctx.consumer)
  registerTakedownConsumers(ctx, ctx.consumer)
}
