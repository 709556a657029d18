import { uuidv7 } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'

import {
  type AuditAction,
  AuditEntry,
  type AuditTargetType,
} from '../entities/audit-entry.entity.js'

export interface AuditRecord {
  /** null: the system acted (a temporary ban ended). */
  actorId: string | null
  action: AuditAction
  targetType: AuditTargetType
  targetId: string
  detail: Record<string, unknown>
  at: Date
}

/** Adds the audit row to the caller's unit of work, so it commits with the action or not at all. */
export function recordAudit(em: EntityManager, record: AuditRecord): void {
  em.create(AuditEntry, { id: uuidv7(record.at.getTime()), ...record })
}
