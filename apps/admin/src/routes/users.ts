import { inTransaction } from '@chatty/db'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  jsonBody,
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
import { changeAccount, DEFAULT_BAN_REASON } from '../domain/accounts.js'
import { banUser, unbanUser } from '../domain/moderation.js'
import { findUserDetail, searchUsers } from '../domain/users.js'
import { ROLES, STATUSES } from '../entities/user.entity.js'
import {
  adminUserDetailSchema,
  adminUserSchema,
  idParam,
  knownId,
  toAdminUser,
  toEmailOutcome,
} from './schemas.js'

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

const banReason = z
  .string()
  .trim()
  .min(1, { error: 'Give a reason.' })
  .max(500, { error: 'Must be at most 500 characters.' })

const banDuration = z
  .number()
  .int()
  .min(1)
  .max(8760)
  .describe('A temporary ban of this many hours; without it the ban lasts until an unban')

const banBody = z.strictObject({ reason: banReason, durationHours: banDuration.optional() })

const accountChangeBody = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    status: z
      .enum(STATUSES)
      .optional()
      .describe('`banned` bans as the ban route does, `active` lifts a ban, `deleted` is final'),
    reason: banReason
      .optional()
      .describe(`With status \`banned\`; "${DEFAULT_BAN_REASON}" if absent`),
    durationHours: banDuration.optional(),
  })
  .superRefine((body, check) => {
    if (body.role === undefined && body.status === undefined) {
      for (const path of ['role', 'status']) {
        check.addIssue({ code: 'custom', path: [path], message: 'Give a role, a status or both.' })
      }
    }
    for (const path of ['reason', 'durationHours'] as const) {
      if (body[path] !== undefined && body.status !== 'banned') {
        check.addIssue({ code: 'custom', path: [path], message: 'Only with status "banned".' })
      }
    }
  })

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
      const { limit, cursor, ...filters } = c.req.valid('query')
      const after = decodeCursor(cursor, userCursor)
      const rows = await searchUsers(ctx.orm.em.fork(), { ...filters, after, limit })
      return c.json(
        pageFromRows(rows, limit, toAdminUser, (last) => ({
          createdAt: last.createdAt.toISOString(),
          id: last.id,
        })),
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
      const { user, emails } = await findUserDetail(ctx.orm.em.fork(), id)
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
      const input = {
        ...c.req.valid('json'),
        actor: currentUser(c),
        userId: knownId(c.req.valid('param').id),
        correlationId: c.get('requestId'),
      }
      const user = await inTransaction(ctx.orm.em, (em) =>
        banUser(em, { clock: ctx.clock, revocationMarks: ctx.revocationMarks }, input),
      )
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
      const input = {
        actor: currentUser(c),
        userId: knownId(c.req.valid('param').id),
        correlationId: c.get('requestId'),
      }
      const user = await inTransaction(ctx.orm.em, (em) =>
        unbanUser(em, { clock: ctx.clock }, input),
      )
      return c.json(toAdminUser(user), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/admin/users/{id}',
      summary: "Set an account's role or status (admins only)",
      description:
        'Each change is audited and announced. A new role refuses the tokens issued before it (the ' +
        'user refreshes to get one with the new role). The last active admin cannot be demoted, ' +
        'banned or deleted (422 `last-admin`); a deleted account stays deleted (422 `user-deleted`).',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('admin')] as const,
      request: { params: idParam, body: jsonBody(accountChangeBody) },
      responses: {
        200: jsonContent(adminUserSchema, 'The account as it is now'),
        ...problems(400, 401, 403, 404, 415, 422, 503),
      },
    }),
    async (c) => {
      const input = {
        ...c.req.valid('json'),
        actor: currentUser(c),
        userId: knownId(c.req.valid('param').id),
        correlationId: c.get('requestId'),
      }
      const user = await inTransaction(ctx.orm.em, (em) =>
        changeAccount(em, { clock: ctx.clock, revocationMarks: ctx.revocationMarks }, input),
      )
      return c.json(toAdminUser(user), 200)
    },
  )

  return router
}
