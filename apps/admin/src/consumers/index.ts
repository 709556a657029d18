import type { AdminContext } from '../context.js'
import { registerEmailConsumers } from './emails.js'
import { registerPostConsumers } from './posts.js'
import { registerUserConsumers } from './users.js'

export function registerConsumers(ctx: AdminContext): void {
  registerUserConsumers(ctx, ctx.consumer)
  registerEmailConsumers(ctx.consumer)
  registerPostConsumers(ctx.consumer)
}
