import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  encodeCursor,
  jsonContent,
  optionalUser,
  pageOf,
  pageQuery,
  problems,
  requireUser,
  requireVerifiedEmail,
} from '@chatty/http'
import { createRoute } from '@hono/zod-openapi'

import type { SubscriptionContext } from '../context.js'
import { connectionPositionSchema, follow, listConnections, unfollow } from '../domain/follows.js'
import { followStateSchema, publicUserSchema, usernameParams } from './schemas.js'

export function subscriptionRoutes(ctx: SubscriptionContext) {
  const router = createRouter()
  const authenticated = requireUser(ctx.verifyAccessToken)

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/subscriptions/{username}',
      summary: 'Follow an account',
      security: bearerSecurity,
      middleware: [authenticated, requireVerifiedEmail(ctx.config.requireVerifiedEmail)] as const,
      request: { params: usernameParams },
      responses: {
        201: jsonContent(followStateSchema, 'Now following'),
        200: jsonContent(followStateSchema, 'Was already following'),
        ...problems(401, 403, 404, 422, 429, 503),
      },
    }),
    async (c) => {
      const { username } = c.req.valid('param')
      const created = await follow(ctx, currentUser(c).id, username, c.get('requestId'))
      return created ? c.json({ following: true }, 201) : c.json({ following: true }, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/subscriptions/{username}',
      summary: 'Unfollow an account (also when not following it)',
      security: bearerSecurity,
      middleware: [authenticated] as const,
      request: { params: usernameParams },
      responses: {
        200: jsonContent(followStateSchema, 'Not following'),
        ...problems(401, 404, 503),
      },
    }),
    async (c) => {
      const { username } = c.req.valid('param')
      await unfollow(ctx, currentUser(c).id, username, c.get('requestId'))
      return c.json({ following: false }, 200)
    },
  )

  for (const direction of ['followers', 'following'] as const) {
    router.openapi(
      createRoute({
        method: 'get',
        path: `/api/subscriptions/{username}/${direction}`,
        summary:
          direction === 'followers'
            ? 'Accounts following this one, most recent first'
            : 'Accounts this one follows, most recent first',
        middleware: [optionalUser(ctx.verifyAccessToken)] as const,
        request: { params: usernameParams, query: pageQuery },
        responses: {
          200: jsonContent(pageOf(publicUserSchema), 'A page of accounts'),
          ...problems(400, 401, 404, 422, 503),
        },
      }),
      async (c) => {
        const { username } = c.req.valid('param')
        const { limit, cursor } = c.req.valid('query')
        const page = await listConnections(
          ctx,
          username,
          direction,
          decodeCursor(cursor, connectionPositionSchema),
          limit,
        )
        return c.json(
          { items: page.users, nextCursor: page.next ? encodeCursor(page.next) : null },
          200,
        )
      },
    )
  }

  return router
}
