import { inTransaction } from '@chatty/db'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  jsonContent,
  optionalUser,
  pageFromRows,
  pageOf,
  pageQuery,
  problems,
  type RateLimit,
  requireUser,
  requireVerifiedEmail,
} from '@chatty/http'
import { createRoute } from '@hono/zod-openapi'

import type { SubscriptionConfig } from '../config.js'
import type { SubscriptionContext } from '../context.js'
import {
  type ConnectionPosition,
  connectionPositionSchema,
  connectionsOf,
  findFollowee,
  findUnfollowee,
  recordFollow,
  recordUnfollow,
} from '../domain/follows.js'
import { toPublicUser } from '../domain/users.js'
import { followStateSchema, publicUserSchema, usernameParams } from './schemas.js'

function followLimit(config: Pick<SubscriptionConfig, 'followsPerHour'>): RateLimit {
  return {
    name: 'follow:user',
    scope: 'user',
    limit: config.followsPerHour,
    windowSeconds: 3600,
  }
}

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
      const followerId = currentUser(c).id
      const followee = await findFollowee(ctx.orm.em.fork(), ctx, { followerId, username })
      await ctx.rateLimiter.hit(followLimit(ctx.config), followerId)
      const created = await inTransaction(ctx.orm.em, (em) =>
        recordFollow(em, ctx, {
          followerId,
          followeeId: followee.id,
          correlationId: c.get('requestId'),
        }),
      )
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
      const followee = await findUnfollowee(ctx.orm.em.fork(), username)
      await inTransaction(ctx.orm.em, (em) =>
        recordUnfollow(em, ctx, {
          followerId: currentUser(c).id,
          followeeId: followee.id,
          correlationId: c.get('requestId'),
        }),
      )
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
        const rows = await connectionsOf(ctx.orm.em.fork(), ctx, {
          username,
          direction,
          position: decodeCursor(cursor, connectionPositionSchema),
          rows: limit + 1,
        })
        const page = pageFromRows(rows, limit, toPublicUser, (last): ConnectionPosition => ({
          at: last.f_created_at.toISOString(),
          id: last.id,
        }))
        return c.json(page, 200)
      },
    )
  }

  return router
}
