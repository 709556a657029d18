import type { AdminContext } from '../context.js'
import { registerCommentConsumers } from './comments.js'
import { registerEmailConsumers } from './emails.js'
import { registerPostConsumers } from './posts.js'
import { registerUserConsumers } from './users.js'

export function registerConsumers(ctx: AdminContext): void {
  registerUserConsumers(ctx.messaging.consumer, { clock: ctx.clock })
  registerEmailConsumers(ctx.messaging.consumer)
  registerPostConsumers(ctx.messaging.consumer)
  registerCommentConsumers(ctx.messaging.consumer)
}
