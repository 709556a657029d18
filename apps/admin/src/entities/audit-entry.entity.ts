import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const AUDIT_ACTIONS = [
  'user.ban',
  'user.unban',
  'user.role',
  'user.delete',
  'post.takedown',
  'comment.takedown',
  'report.resolve',
  'report.dismiss',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]
export const AUDIT_TARGET_TYPES = ['user', 'post', 'comment', 'report'] as const
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number]

/**
 * One row per admin action, written in the transaction of the action itself; the ban expiry job
 * writes rows without an actor.
 */
export const AuditEntry = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_log',
  properties: {
    id: p.uuid().primary(),
    /** null: the system acted (a temporary ban ended). */
    actorId: p.uuid().nullable(),
    action: p.enum(AUDIT_ACTIONS),
    targetType: p.enum(AUDIT_TARGET_TYPES),
    targetId: p.uuid(),
    detail: p.json<Record<string, unknown>>(),
    at: p.datetime(),
  },
  indexes: [
    { name: 'audit_log_target_index', properties: ['targetType', 'targetId'] },
    { name: 'audit_log_actor_id_index', properties: ['actorId'] },
  ],
})

export type AuditEntryRow = InferEntity<typeof AuditEntry>
