import {
  bearerSecurity,
  createRouter,
  decodeCursor,
  encodeCursor,
  jsonContent,
  pageOf,
  pageQuery,
  problems,
  requireRole,
  requireUser,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'
import type { FilterQuery } from '@mikro-orm/core'

import type { AdminContext } from '../context.js'
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  AuditEntry,
  type AuditEntryRow,
} from '../entities/audit-entry.entity.js'
import { auditEntrySchema } from './schemas.js'

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
      // Ids are UUIDv7, so ordering by id is ordering by time.
      const where: FilterQuery<AuditEntryRow> = {}
      if (filters.actorId) where.actorId = filters.actorId
      if (filters.targetType) where.targetType = filters.targetType
      if (filters.targetId) where.targetId = filters.targetId
      if (filters.action) where.action = filters.action
      if (after) where.id = { $lt: after.id }
      const rows = await ctx.orm.em
        .fork()
        .find(AuditEntry, where, { orderBy: { id: 'desc' }, limit: limit + 1 })
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return c.json(
        {
          items: page.map((entry) => ({
            id: entry.id,
            actorId: entry.actorId ?? null,
            action: entry.action,
            targetType: entry.targetType,
            targetId: entry.targetId,
            detail: entry.detail,
            at: entry.at.toISOString(),
          })),
          nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null,
        },
        200,
      )
    },
  )

  return router
}
