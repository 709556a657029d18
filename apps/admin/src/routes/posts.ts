import { inTransaction } from '@chatty/db'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  jsonContent,
  problems,
  requireRole,
  requireUser,
} from '@chatty/http'
import { createRoute } from '@hono/zod-openapi'

import type { AdminContext } from '../context.js'
import { requestPostTakedown } from '../domain/moderation.js'
import { acceptedSchema, idParam, knownId, takedownBody } from './schemas.js'

export function postRoutes(ctx: AdminContext) {
  const router = createRouter()

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/admin/posts/{id}',
      summary: 'Take a post down; it disappears from reads and feeds shortly after',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('moderator', 'admin')] as const,
      request: {
        params: idParam,
        body: { required: false, content: { 'application/json': { schema: takedownBody } } },
      },
      responses: {
        202: jsonContent(acceptedSchema, 'The takedown is on its way to posts'),
        ...problems(400, 401, 403, 404, 415, 422, 503),
      },
    }),
    async (c) => {
      const input = {
        actor: currentUser(c),
        postId: knownId(c.req.valid('param').id),
        reason: c.req.valid('json').reason,
        correlationId: c.get('requestId'),
      }
      await inTransaction(ctx.orm.em, (em) => requestPostTakedown(em, { clock: ctx.clock }, input))
      return c.json({ status: 'accepted' as const }, 202)
    },
  )

  return router
}
