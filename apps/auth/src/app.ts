import { createServiceApp } from '@chatty/http'

import type { AuthContext } from './context.js'
import { keyRoutes } from './routes/keys.js'
import { meRoutes } from './routes/me.js'
import { passwordRoutes } from './routes/passwords.js'
import { registrationRoutes } from './routes/registration.js'
import { sessionRoutes } from './routes/sessions.js'
import { userRoutes } from './routes/users.js'
import { SERVICE } from './service.js'

export function createApp(ctx: AuthContext) {
  const app = createServiceApp({
    service: SERVICE.name,
    prefixes: SERVICE.prefixes,
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
    metrics: ctx.metrics.registry,
  })
  app.route('/', registrationRoutes(ctx))
  app.route('/', sessionRoutes(ctx))
  app.route('/', passwordRoutes(ctx))
  app.route('/', meRoutes(ctx))
  app.route('/', userRoutes(ctx))
  app.route('/', keyRoutes(ctx))
  return app
}
