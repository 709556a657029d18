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
    checkDependencies: async () => ({
      database: (await ctx.orm.isConnected()) ? 'ok' : 'down',
      redis: ctx.redis.status === 'ready' ? 'ok' : 'down',
      broker: ctx.broker.status() === 'connected' ? 'ok' : 'degraded',
    }),
  })
  app.route('/', subscriptionRoutes(ctx))
  app.route('/', feedRoutes(ctx))
  return app
}
