import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  encodeCursor,
  jsonContent,
  pageOf,
  pageQuery,
  problems,
  requireUser,
} from '@chatty/http'
import { createRoute } from '@hono/zod-openapi'

import type { SubscriptionContext } from '../context.js'
import { feedPositionSchema } from '../domain/feed-page.js'
import { readHomeFeed } from '../domain/home-feed.js'
import { feedItemSchema } from './schemas.js'

export function feedRoutes(ctx: SubscriptionContext) {
  const router = createRouter()

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/feed',
      summary:
        'The home feed, newest first: your own posts and those of the accounts you follow. ' +
        'Pages stay stable while new posts arrive.',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(feedItemSchema), 'A page of the feed'),
        ...problems(400, 401, 422, 503),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      // Not one transaction: the rebuild's share locks must be released as soon as they are granted.
      const page = await readHomeFeed(ctx.orm.em.fork(), ctx, {
        readerId: currentUser(c).id,
        position: decodeCursor(cursor, feedPositionSchema),
        limit,
      })
      return c.json(
        { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null },
        200,
      )
    },
  )

  return router
}
