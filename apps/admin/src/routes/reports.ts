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
  requireVerifiedEmail,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { AdminContext } from '../context.js'
import { limits } from '../domain/rate-limits.js'
import {
  decideReport,
  fileReport,
  findReports,
  type ReportTarget,
  TARGET_FIELDS,
} from '../domain/reports.js'
import { REPORT_STATUSES, REPORT_TARGET_TYPES } from '../entities/report.entity.js'
import { idParam, knownId, reportSchema, toReport } from './schemas.js'

const targetKinds = REPORT_TARGET_TYPES.map((type) => [type, TARGET_FIELDS[type]] as const)
const ONE_TARGET = 'Give exactly one of postId, commentId and userId.'

const newReportBody = z
  .strictObject({
    postId: z.uuid().optional(),
    commentId: z.uuid().optional(),
    userId: z.uuid().optional(),
    reason: z
      .string()
      .trim()
      .min(1, { error: 'Give a reason.' })
      .max(500, { error: 'Must be at most 500 characters.' }),
  })
  .superRefine((body, check) => {
    const given = targetKinds.filter(([, field]) => body[field] !== undefined)
    if (given.length === 1) return
    // None: each field could be the missing one. Several: each given one is too many.
    for (const [, field] of given.length === 0 ? targetKinds : given) {
      check.addIssue({ code: 'custom', path: [field], message: ONE_TARGET })
    }
  })
  .describe('What is reported (exactly one of postId, commentId, userId) and why')

const receiptSchema = z
  .object({
    id: z.uuid(),
    status: z.literal('open'),
    targetType: z.enum(REPORT_TARGET_TYPES),
    targetId: z.uuid(),
    reason: z.string(),
    createdAt: z.iso.datetime(),
  })
  .openapi('ReportReceipt')

const reportCursor = z.object({ id: z.uuid() })

const queueQuery = pageQuery.extend({
  status: z
    .enum([...REPORT_STATUSES, 'all'])
    .default('open')
    .describe('The open reports (the queue) unless asked otherwise; `all` for every status'),
  targetType: z.enum(REPORT_TARGET_TYPES).optional(),
})

const decisionBody = z.strictObject({
  status: z.enum(['resolved', 'dismissed']),
  note: z.string().trim().max(1000, { error: 'Must be at most 1000 characters.' }).optional(),
})

function targetOf(body: z.infer<typeof newReportBody>): ReportTarget {
  for (const [type, field] of targetKinds) {
    const id = body[field]
    if (id !== undefined) return { type, id: id.toLowerCase() }
  }
  // The schema admits no body without a target.
  throw new Error('a report body without a target passed validation')
}

export function reportRoutes(ctx: AdminContext) {
  const router = createRouter()
  const deps = { clock: ctx.clock }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/reports',
      summary: 'Report a post, a comment or an account to the moderators',
      description:
        'A second report by the same person on the same target while the first is open is the ' +
        'same report: 200 with it (its reason unchanged) instead of 201. Reporting yourself or ' +
        'your own content is 422 `cannot-report-self`; a target that does not exist (or is ' +
        'deleted) is 404.',
      security: bearerSecurity,
      middleware: [
        requireUser(ctx.verifyAccessToken),
        requireVerifiedEmail(ctx.config.requireVerifiedEmail),
      ] as const,
      request: { body: jsonBody(newReportBody) },
      responses: {
        201: jsonContent(receiptSchema, 'The new report'),
        200: jsonContent(receiptSchema, "The reporter's open report on this target, unchanged"),
        ...problems(400, 401, 403, 404, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const user = currentUser(c)
      await ctx.rateLimiter.hit(limits.reportsPerUser, user.id)
      const body = c.req.valid('json')
      const filing = {
        reporter: { id: user.id, username: user.username },
        target: targetOf(body),
        reason: body.reason,
      }
      const { created, ...report } = await inTransaction(ctx.orm.em, (em) =>
        fileReport(em, deps, filing),
      )
      return c.json({ ...report, createdAt: report.createdAt.toISOString() }, created ? 201 : 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/admin/reports',
      summary: 'The report queue, newest first, each with its target as it reads now',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('moderator', 'admin')] as const,
      request: { query: queueQuery },
      responses: {
        200: jsonContent(pageOf(reportSchema), 'A page of reports'),
        ...problems(400, 401, 403, 422, 503),
      },
    }),
    async (c) => {
      const { limit, cursor, status, targetType } = c.req.valid('query')
      const after = decodeCursor(cursor, reportCursor)
      const rows = await findReports(ctx.orm.em.fork(), {
        status: status === 'all' ? undefined : status,
        targetType,
        afterId: after?.id,
        limit,
      })
      return c.json(
        pageFromRows(rows, limit, toReport, (last) => ({ id: last.id })),
        200,
      )
    },
  )

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/admin/reports/{id}',
      summary: 'Resolve or dismiss an open report, with a note',
      description:
        'Audited as `report.resolve` or `report.dismiss`. A report is decided once: one that is ' +
        'closed already is 422 `report-closed`.',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken), requireRole('moderator', 'admin')] as const,
      request: { params: idParam, body: jsonBody(decisionBody) },
      responses: {
        200: jsonContent(reportSchema, 'The closed report'),
        ...problems(400, 401, 403, 404, 415, 422, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const decision = {
        actor: currentUser(c),
        reportId: knownId(c.req.valid('param').id),
        status: body.status,
        note: body.note || undefined,
      }
      const report = await inTransaction(ctx.orm.em, (em) => decideReport(em, deps, decision))
      return c.json(toReport(report), 200)
    },
  )

  return router
}
