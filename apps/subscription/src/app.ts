import { createServiceApp } from '@chatty/http'

import type { SubscriptionContext } from './context.js'
import { SERVICE } from './context.js'
import { feedRoutes } from './routes/feed.js'
import { subscriptionRoutes } from './routes/subscriptions.js'

export function createApp(ctx: SubscriptionContext) {
  const app = createServiceApp({
    service: SERVICE,
    prefixes: ['/api/subscriptions', '/api/feed'],
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
  })
  app.route('/', subscriptionRoutes(ctx))
  app.route('/', feedRoutes(ctx))
  return app
}
