import { createServiceApp } from '@chatty/http'

import type { PostsContext } from './context.js'
import { commentRoutes } from './routes/comments.js'
import { MEDIA_UPLOAD_PATH, mediaRoutes } from './routes/media.js'
import { pollRoutes } from './routes/polls.js'
import { postRoutes } from './routes/posts.js'
import { reactionRoutes } from './routes/reactions.js'
import { trendingTagRoutes } from './routes/trending-tags.js'
import { SERVICE } from './service.js'

export function createApp(ctx: PostsContext) {
  const app = createServiceApp({
    service: SERVICE.name,
    prefixes: SERVICE.prefixes,
    trustProxy: ctx.config.trustProxy,
    checkDependencies: ctx.checkDependencies,
    metrics: ctx.metrics.registry,
    streamedBodyPaths: [MEDIA_UPLOAD_PATH],
  })
  app.route('/', trendingTagRoutes(ctx))
  app.route('/', postRoutes(ctx))
  app.route('/', reactionRoutes(ctx))
  app.route('/', commentRoutes(ctx))
  app.route('/', pollRoutes(ctx))
  app.route('/', mediaRoutes(ctx))
  return app
}
