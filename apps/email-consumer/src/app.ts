import { createServiceApp } from '@chatty/http'

import { type EmailContext, PRODUCER } from './context.js'

/** No public API: GET /health and /ready for the process supervisor and the stack runner. */
export function createApp(ctx: EmailContext) {
  return createServiceApp({
    service: PRODUCER,
    prefixes: [''],
    checkDependencies: async () => ({
      database: (await ctx.orm.isConnected()) ? 'ok' : 'down',
      broker: ctx.broker.status() === 'connected' ? 'ok' : 'degraded',
    }),
  })
}
