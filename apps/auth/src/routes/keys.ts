import { createRouter } from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { AuthContext } from '../context.js'

const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS')

export function keyRoutes(ctx: AuthContext) {
  const router = createRouter()

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/.well-known/jwks.json',
      summary: 'Public keys that verify access tokens',
      responses: {
        200: {
          description: 'JSON Web Key Set',
          content: { 'application/json': { schema: jwksSchema } },
        },
      },
    }),
    (c) => {
      c.header('Cache-Control', 'public, max-age=300')
      return c.json({ keys: ctx.signer.jwks.keys as Record<string, unknown>[] }, 200)
    },
  )

  return router
}
