import { SendEmail } from '@chatty/contracts'

import type { EmailContext } from '../context.js'
import { deliverEmail } from './send-email.js'

export function registerConsumers(ctx: EmailContext): void {
  ctx.messaging.consumer.on(SendEmail, (data, message) => deliverEmail(ctx, data, message))
}
