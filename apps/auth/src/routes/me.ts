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
import { findOwnAccount } from '../domain/accounts.js'
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
      const user = await findOwnAccount(ctx.orm.em.fork(), currentUser(c).id)
      return c.json(toMe(user), 200)
    },
  )

  return router
}
