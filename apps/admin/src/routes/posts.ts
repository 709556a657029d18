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
import { createRoute, z } from '@hono/zod-openapi'

import type { AdminContext } from '../context.js'
import { requestPostTakedown } from '../domain/moderation.js'
import { idParam, knownId } from './schemas.js'

const acceptedSchema = z.object({ status: z.literal('accepted') }).openapi('Accepted')

const takedownBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(500, { error: 'Must be at most 500 characters.' })
    .optional(),
})

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
