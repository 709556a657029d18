import { createServiceApp } from '@chatty/http'

import type { NotificationsContext } from './context.js'
import { notificationRoutes } from './routes/notifications.js'
import { streamRoutes } from './routes/stream.js'
import { SERVICE } from './service.js'

export function createApp(ctx: NotificationsContext) {
  const app = createServiceApp({
    service: SERVICE.name,
    prefixes: SERVICE.prefixes,
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
    metrics: ctx.metrics.registry,
  })
  app.route('/', streamRoutes(ctx))
  app.route('/', notificationRoutes(ctx))
  return app
}
