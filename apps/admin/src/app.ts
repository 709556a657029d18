import { createServiceApp } from '@chatty/http'

import type { AdminContext } from './context.js'
import { SERVICE } from './context.js'
import { auditLogRoutes } from './routes/audit-log.js'
import { postRoutes } from './routes/posts.js'
import { userRoutes } from './routes/users.js'

export function createApp(ctx: AdminContext) {
  const app = createServiceApp({
    service: SERVICE,
    prefixes: ['/api/admin'],
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
  })
  app.route('/', userRoutes(ctx))
  app.route('/', postRoutes(ctx))
  app.route('/', auditLogRoutes(ctx))
  return app
}
