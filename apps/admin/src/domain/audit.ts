import { uuidv7 } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { FilterQuery } from '@mikro-orm/core'

import {
  type AuditAction,
  AuditEntry,
  type AuditEntryRow,
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

export interface AuditSearch {
  actorId?: string | undefined
  targetType?: AuditTargetType | undefined
  targetId?: string | undefined
  action?: AuditAction | undefined
  /** The id of the last entry of the previous page. */
  afterId?: string | undefined
  limit: number
}

/**
 * Audit entries matching `search`, newest first: up to `limit + 1`, the extra one telling the
 * caller there is another page.
 */
export async function listAuditEntries(
  em: EntityManager,
  search: AuditSearch,
): Promise<AuditEntryRow[]> {
  const where: FilterQuery<AuditEntryRow> = {}
  if (search.actorId) where.actorId = search.actorId
  if (search.targetType) where.targetType = search.targetType
  if (search.targetId) where.targetId = search.targetId
  if (search.action) where.action = search.action
  // Ids are UUIDv7, so ordering by id is ordering by time.
  if (search.afterId) where.id = { $lt: search.afterId }
  return em.find(AuditEntry, where, { orderBy: { id: 'desc' }, limit: search.limit + 1 })
}
