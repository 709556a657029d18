import { createServiceApp } from '@chatty/http'

import type { SubscriptionContext } from './context.js'
import { feedRoutes } from './routes/feed.js'
import { subscriptionRoutes } from './routes/subscriptions.js'
import { SERVICE } from './service.js'

export function createApp(ctx: SubscriptionContext) {
  const app = createServiceApp({
    service: SERVICE.name,
    prefixes: SERVICE.prefixes,
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
    metrics: ctx.metrics.registry,
  })
  app.route('/', subscriptionRoutes(ctx))
  app.route('/', feedRoutes(ctx))
  return app
}
