import { createServiceApp } from '@chatty/http'

import type { EmailContext } from './context.js'
import { SERVICE } from './service.js'

/** No public API: GET /health and /ready for the process supervisor and the stack runner. */
export function createApp(ctx: EmailContext) {
  return createServiceApp({
    service: SERVICE.name,
    prefixes: [''],
    checkDependencies: ctx.checkDependencies,
    metrics: ctx.metrics.registry,
  })
}
