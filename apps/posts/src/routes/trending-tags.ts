import { createRouter, jsonContent, problems } from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { PostsContext } from '../context.js'
import { TRENDING_TAGS_MAX, trendingTagsReader } from '../domain/trending-tags.js'

const trendingQuery = z.object({
  limit: z.coerce.number().int().min(1).max(TRENDING_TAGS_MAX).default(20),
})

const trendingTagsSchema = z
  .object({
    items: z.array(
      z.object({
        tag: z.string(),
        count: z
          .number()
          .int()
          .describe('Distinct accounts that used the tag in the last 24 hours'),
      }),
    ),
  })
  .openapi('TrendingTags')

/** Mounted before the post routes, so `trending-tags` is never read as a post id. */
export function trendingTagRoutes(ctx: PostsContext) {
  const router = createRouter()
  const trending = trendingTagsReader({
    em: ctx.orm.em,
    clock: ctx.clock,
    cacheMs: ctx.config.trendingTagsCacheMs,
  })

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/posts/trending-tags',
      summary:
        'The tags of public posts used by the most distinct accounts in the last 24 hours, most first',
      request: { query: trendingQuery },
      responses: {
        200: jsonContent(trendingTagsSchema, 'Trending tags'),
        ...problems(400, 422, 503),
      },
    }),
    async (c) => {
      const { limit } = c.req.valid('query')
      return c.json({ items: await trending.read(limit) }, 200)
    },
  )

  return router
}
