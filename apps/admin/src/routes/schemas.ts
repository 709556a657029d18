import { UUID_PATTERN } from '@chatty/contracts'
import { NotFoundError } from '@chatty/domain'
import { z } from '@hono/zod-openapi'

import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  type AuditEntryRow,
} from '../entities/audit-entry.entity.js'
import type { EmailRow } from '../entities/email.entity.js'
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

export type AdminUser = z.infer<typeof adminUserSchema>

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
