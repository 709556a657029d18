import {
  bearerSecurity,
  createRouter,
  decodeCursor,
  jsonContent,
  pageFromRows,
  pageOf,
  pageQuery,
  problems,
  requireRole,
  requireUser,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { AdminContext } from '../context.js'
import { listAuditEntries } from '../domain/audit.js'
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../entities/audit-entry.entity.js'
import { auditEntrySchema, toAuditEntry } from './schemas.js'

const auditCursor = z.object({ id: z.uuid() })

const auditQuery = pageQuery.extend({
  actorId: z.uuid().optional(),
  targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
  targetId: z.uuid().optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
})

export function auditLogRoutes(ctx: AdminContext) {
  const router = createRouter()

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/admin/audit-log',
      summary: 'Every admin action, newest first',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('admin')] as const,
      request: { query: auditQuery },
      responses: {
        200: jsonContent(pageOf(auditEntrySchema), 'A page of audit entries'),
        ...problems(400, 401, 403, 422, 503),
      },
    }),
    async (c) => {
      const { limit, cursor, ...filters } = c.req.valid('query')
      const after = decodeCursor(cursor, auditCursor)
      const rows = await listAuditEntries(ctx.orm.em.fork(), {
        ...filters,
        afterId: after?.id,
        limit,
      })
      return c.json(
        pageFromRows(rows, limit, toAuditEntry, (last) => ({ id: last.id })),
        200,
      )
    },
  )

  return router
}
