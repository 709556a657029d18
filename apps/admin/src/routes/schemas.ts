import { UUID_PATTERN, visibilitySchema } from '@chatty/contracts'
import { NotFoundError } from '@chatty/domain'
import { z } from '@hono/zod-openapi'

import type { ReportView } from '../domain/reports.js'
import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  type AuditEntryRow,
} from '../entities/audit-entry.entity.js'
import type { EmailRow } from '../entities/email.entity.js'
import { REPORT_STATUSES, REPORT_TARGET_TYPES } from '../entities/report.entity.js'
import { type RegisteredUserRow, ROLES, STATUSES } from '../entities/user.entity.js'

export const adminUserSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
    status: z.enum(STATUSES),
    emailVerified: z.boolean(),
    createdAt: z.iso.datetime(),
    bannedAt: z.iso.datetime().nullable(),
    banReason: z.string().nullable(),
    bannedUntil: z.iso
      .datetime()
      .nullable()
      .describe('End of a temporary ban; admin lifts the ban shortly after it'),
  })
  .openapi('AdminUser')

export const emailOutcomeSchema = z
  .object({
    template: z.string(),
    status: z.enum(['delivered', 'failed', 'pending']),
    at: z.iso.datetime(),
    error: z.string().nullable(),
  })
  .openapi('EmailOutcome')

export const adminUserDetailSchema = adminUserSchema
  .extend({ emails: z.array(emailOutcomeSchema).describe('Newest first, at most 50') })
  .openapi('AdminUserDetail')

export const auditEntrySchema = z
  .object({
    id: z.uuid(),
    actorId: z
      .uuid()
      .nullable()
      .describe('Who acted; null when the system did (a temporary ban that ended)'),
    action: z.enum(AUDIT_ACTIONS),
    targetType: z.enum(AUDIT_TARGET_TYPES),
    targetId: z.uuid(),
    detail: z.record(z.string(), z.unknown()),
    at: z.iso.datetime(),
  })
  .openapi('AuditEntry')

const reportTargetSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('post'),
        id: z.uuid(),
        authorId: z.uuid(),
        title: z.string().nullable(),
        content: z.string().nullable().describe('null: admin has not received the text yet'),
        visibility: visibilitySchema.nullable(),
        deleted: z.boolean(),
      })
      .openapi('ReportedPost'),
    z
      .object({
        type: z.literal('comment'),
        id: z.uuid(),
        postId: z.uuid(),
        authorId: z.uuid(),
        content: z.string().nullable().describe('null: admin has not received the text yet'),
        deleted: z.boolean().describe('The comment or its post is deleted'),
      })
      .openapi('ReportedComment'),
    z
      .object({
        type: z.literal('user'),
        id: z.uuid(),
        username: z.string(),
        displayName: z.string(),
        status: z.enum(STATUSES),
      })
      .openapi('ReportedUser'),
  ])
  .describe('The target as it reads now (after edits, deletions, bans)')

export const reportSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(REPORT_STATUSES),
    reason: z.string(),
    note: z.string().nullable().describe("The moderator's note when the report was closed"),
    targetType: z.enum(REPORT_TARGET_TYPES),
    targetId: z.uuid(),
    target: reportTargetSchema,
    reporter: z.object({ id: z.uuid(), username: z.string() }),
    resolvedBy: z.uuid().nullable().describe('The moderator who resolved or dismissed it'),
    resolvedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Report')

export function toReport(report: ReportView): z.infer<typeof reportSchema> {
  return {
    ...report,
    resolvedAt: report.resolvedAt?.toISOString() ?? null,
    createdAt: report.createdAt.toISOString(),
  }
}

export type AdminUser = z.infer<typeof adminUserSchema>

export const acceptedSchema = z.object({ status: z.literal('accepted') }).openapi('Accepted')

/** The body of a takedown (a post or a comment). */
export const takedownBody = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(500, { error: 'Must be at most 500 characters.' })
    .optional(),
})

export function toAdminUser(user: RegisteredUserRow): AdminUser {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    status: user.status,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt.toISOString(),
    bannedAt: user.bannedAt?.toISOString() ?? null,
    banReason: user.banReason ?? null,
    bannedUntil: user.bannedUntil?.toISOString() ?? null,
  }
}

export function toAuditEntry(entry: AuditEntryRow): z.infer<typeof auditEntrySchema> {
  return {
    id: entry.id,
    actorId: entry.actorId ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    detail: entry.detail,
    at: entry.at.toISOString(),
  }
}

export function toEmailOutcome(email: EmailRow): z.infer<typeof emailOutcomeSchema> {
  return {
    template: email.template,
    status: email.status,
    at: email.at.toISOString(),
    error: email.error ?? null,
  }
}

/** A path id; anything that is not a UUID names nothing, so it is a 404 rather than a 422. */
export const idParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

export function knownId(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new NotFoundError()
  return id.toLowerCase()
}
