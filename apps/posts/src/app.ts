import { createServiceApp } from '@chatty/http'

import type { PostsContext } from './context.js'
import { SERVICE } from './context.js'
import { postRoutes } from './routes/posts.js'

export function createApp(ctx: PostsContext) {
  const app = createServiceApp({
    service: SERVICE,
    prefixes: ['/api/posts'],
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
  })
  app.route('/', postRoutes(ctx))
  return app
}
