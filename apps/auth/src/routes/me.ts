import { UnauthorizedError } from '@chatty/domain'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  jsonContent,
  problems,
  requireUser,
} from '@chatty/http'
import { createRoute } from '@hono/zod-openapi'

import type { AuthContext } from '../context.js'
import { User } from '../entities/user.entity.js'
import { meSchema, toMe } from './schemas.js'

export function meRoutes(ctx: AuthContext) {
  const router = createRouter()

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/me',
      summary: 'The account of the caller',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      responses: { 200: jsonContent(meSchema, 'The account'), ...problems(401, 503) },
    }),
    async (c) => {
      const user = await ctx.orm.em.fork().findOne(User, { id: currentUser(c).id })
      if (!user || user.status === 'deleted') throw new UnauthorizedError()
      return c.json(toMe(user), 200)
    },
  )

  return router
}
