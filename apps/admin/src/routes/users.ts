import { NotFoundError } from '@chatty/domain'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  encodeCursor,
  jsonBody,
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
import { banUser, unbanUser } from '../domain/moderation.js'
import { Email } from '../entities/email.entity.js'
import { ROLES, STATUSES, User, type UserRow } from '../entities/user.entity.js'
import {
  adminUserDetailSchema,
  adminUserSchema,
  idParam,
  knownId,
  toAdminUser,
  toEmailOutcome,
} from './schemas.js'

const RECENT_EMAILS = 50

const userCursor = z.object({ createdAt: z.iso.datetime(), id: z.uuid() })

const listQuery = pageQuery.extend({
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('Part of a username, display name or email (case-insensitive)'),
  status: z.enum(STATUSES).optional(),
  role: z.enum(ROLES).optional(),
})

const banBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, { error: 'Give a reason.' })
    .max(500, { error: 'Must be at most 500 characters.' }),
  durationHours: z
    .number()
    .int()
    .min(1)
    .max(8760)
    .optional()
    .describe('A temporary ban of this many hours; without it the ban lasts until an unban'),
})

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`
}

export function userRoutes(ctx: AdminContext) {
  const router = createRouter()

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/admin/users',
      summary: 'Search accounts, newest first',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('moderator', 'admin')] as const,
      request: { query: listQuery },
      responses: {
        200: jsonContent(pageOf(adminUserSchema), 'A page of accounts'),
        ...problems(400, 401, 403, 422, 503),
      },
    }),
    async (c) => {
      const { q, status, role, limit, cursor } = c.req.valid('query')
      const after = decodeCursor(cursor, userCursor)
      const where: FilterQuery<UserRow> = {}
      if (status) where.status = status
      if (role) where.role = role
      const and: FilterQuery<UserRow>[] = []
      if (q) {
        const pattern = likePattern(q)
        and.push({
          $or: [
            { username: { $ilike: pattern } },
            { displayName: { $ilike: pattern } },
            { email: { $ilike: pattern } },
          ],
        })
      }
      if (after) {
        const createdAt = new Date(after.createdAt)
        and.push({ $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: after.id } }] })
      }
      if (and.length > 0) where.$and = and
      const rows = await ctx.orm.em.fork().find(User, where, {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit: limit + 1,
      })
      const page = rows.slice(0, limit)
      const last = page.at(-1)
      return c.json(
        {
          items: page.map(toAdminUser),
          nextCursor:
            rows.length > limit && last
              ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id })
              : null,
        },
        200,
      )
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/admin/users/{id}',
      summary: 'One account with the outcome of the emails sent to it',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('moderator', 'admin')] as const,
      request: { params: idParam },
      responses: {
        200: jsonContent(adminUserDetailSchema, 'The account'),
        ...problems(401, 403, 404, 503),
      },
    }),
    async (c) => {
      const id = knownId(c.req.valid('param').id)
      const em = ctx.orm.em.fork()
      const user = await em.findOne(User, { id })
      if (!user) throw new NotFoundError('No such user.')
      const emails = await em.find(
        Email,
        { userId: id },
        { orderBy: { at: 'desc', emailId: 'desc' }, limit: RECENT_EMAILS },
      )
      return c.json({ ...toAdminUser(user), emails: emails.map(toEmailOutcome) }, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/admin/users/{id}/ban',
      summary: 'Ban an account: login refused and its tokens rejected everywhere',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('moderator', 'admin')] as const,
      request: { params: idParam, body: jsonBody(banBody) },
      responses: {
        200: jsonContent(adminUserSchema, 'The banned account'),
        ...problems(400, 401, 403, 404, 415, 422, 503),
      },
    }),
    async (c) => {
      const id = knownId(c.req.valid('param').id)
      const actor = currentUser(c)
      const user = await banUser(ctx, actor, id, c.req.valid('json'), c.get('requestId'))
      return c.json(toAdminUser(user), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/admin/users/{id}/unban',
      summary: 'Lift a ban (tokens issued before the ban stay dead)',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('moderator', 'admin')] as const,
      request: { params: idParam },
      responses: {
        200: jsonContent(adminUserSchema, 'The account, active again'),
        ...problems(401, 403, 404, 422, 503),
      },
    }),
    async (c) => {
      const id = knownId(c.req.valid('param').id)
      const user = await unbanUser(ctx, currentUser(c), id, c.get('requestId'))
      return c.json(toAdminUser(user), 200)
    },
  )

  return router
}
