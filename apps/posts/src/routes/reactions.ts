import { publicUserSchema as sharedPublicUser } from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import { NotFoundError } from '@chatty/domain'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  jsonContent,
  named,
  optionalUser,
  pageFromRows,
  pageOf,
  pageQuery,
  problems,
  requireUser,
  requireVerifiedEmail,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { PostsContext } from '../context.js'
import { limits } from '../domain/rate-limits.js'
import { findLikers, type Liker, react, type Reaction, unreact } from '../domain/reactions.js'

const publicUserSchema = named(sharedPublicUser, 'PublicUser')

const likeStateSchema = z
  .object({ liked: z.boolean(), likeCount: z.number().int() })
  .openapi('LikeState', { example: { liked: true, likeCount: 12 } })

const repostStateSchema = z
  .object({ reposted: z.boolean(), repostCount: z.number().int() })
  .openapi('RepostState', { example: { reposted: true, repostCount: 3 } })

const idParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

const cursorSchema = z.object({ t: z.iso.datetime(), id: z.uuid() })

const optionalBearer = [{}, ...bearerSecurity]

/** The answer to a like or repost and to its undoing: the caller's state and the post's total. */
function stateOf(reaction: Reaction, active: boolean, count: number) {
  return reaction === 'like'
    ? { liked: active, likeCount: count }
    : { reposted: active, repostCount: count }
}

function toPublicUser({ likedAt: _likedAt, ...user }: Liker) {
  return user
}

export function reactionRoutes(ctx: PostsContext) {
  const router = createRouter()
  const deps = { clock: ctx.clock }

  for (const reaction of ['like', 'repost'] as const) {
    const stateSchema = reaction === 'like' ? likeStateSchema : repostStateSchema

    router.openapi(
      createRoute({
        method: 'post',
        path: `/api/posts/{id}/${reaction}`,
        summary:
          reaction === 'like'
            ? 'Like a post (again: no change)'
            : "Repost someone else's public post (again: no change)",
        security: bearerSecurity,
        middleware: [
          requireUser(ctx.verifyAccessToken),
          requireVerifiedEmail(ctx.config.requireVerifiedEmail),
        ] as const,
        request: { params: idParams },
        responses: {
          200: jsonContent(stateSchema, `The post is ${reaction}d by the caller`),
          ...problems(401, 403, 404, ...(reaction === 'repost' ? [422] : []), 429, 503),
        },
      }),
      async (c) => {
        const user = currentUser(c)
        await ctx.rateLimiter.hit(limits.reactPerUser, user.id)
        const input = { user, postId: c.req.valid('param').id, correlationId: c.get('requestId') }
        const count = await inTransaction(ctx.orm.em, (em) => react(em, deps, reaction, input))
        return c.json(stateOf(reaction, true, count), 200)
      },
    )

    router.openapi(
      createRoute({
        method: 'delete',
        path: `/api/posts/{id}/${reaction}`,
        summary: `Undo a ${reaction} (also when there is none)`,
        security: bearerSecurity,
        middleware: [requireUser(ctx.verifyAccessToken)] as const,
        request: { params: idParams },
        responses: {
          200: jsonContent(stateSchema, `The post is not ${reaction}d by the caller`),
          ...problems(401, 404, 429, 503),
        },
      }),
      async (c) => {
        const user = currentUser(c)
        await ctx.rateLimiter.hit(limits.reactPerUser, user.id)
        const input = { user, postId: c.req.valid('param').id, correlationId: c.get('requestId') }
        const count = await inTransaction(ctx.orm.em, (em) => unreact(em, deps, reaction, input))
        return c.json(stateOf(reaction, false, count), 200)
      },
    )
  }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/posts/{id}/likes',
      summary: 'Accounts that like a post, most recent like first',
      security: optionalBearer,
      middleware: [optionalUser(ctx.verifyAccessToken)] as const,
      request: { params: idParams, query: pageQuery },
      responses: {
        200: jsonContent(pageOf(publicUserSchema).openapi('PublicUserPage'), 'A page of accounts'),
        ...problems(400, 401, 404, 422, 503),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query')
      const after = decodeCursor(cursor, cursorSchema)
      const likers = await findLikers(ctx.orm.em.fork(), deps, {
        viewer: c.get('user'),
        postId: c.req.valid('param').id,
        after: after && { likedAt: new Date(after.t), userId: after.id },
        limit: limit + 1,
      })
      if (!likers) throw new NotFoundError('No such post.')
      const page = pageFromRows(likers, limit, toPublicUser, (last) => ({
        t: last.likedAt.toISOString(),
        id: last.id,
      }))
      return c.json(page, 200)
    },
  )

  return router
}
