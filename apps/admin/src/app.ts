import { createServiceApp } from '@chatty/http'

import type { AdminContext } from './context.js'
import { auditLogRoutes } from './routes/audit-log.js'
import { commentRoutes } from './routes/comments.js'
import { postRoutes } from './routes/posts.js'
import { reportRoutes } from './routes/reports.js'
import { userRoutes } from './routes/users.js'
import { SERVICE } from './service.js'

export function createApp(ctx: AdminContext) {
  const app = createServiceApp({
    service: SERVICE.name,
    prefixes: SERVICE.prefixes,
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
    metrics: ctx.metrics.registry,
  })
  app.route('/', userRoutes(ctx))
  app.route('/', postRoutes(ctx))
  app.route('/', commentRoutes(ctx))
  app.route('/', reportRoutes(ctx))
  app.route('/', auditLogRoutes(ctx))
  return app
}
