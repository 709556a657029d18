import type { EntityManager } from '@chatty/db'
import type { Revocations } from '@chatty/domain'

import { type AuditAction, AuditEntry } from '../entities/audit-entry.entity.js'

/**
 * The audit actions that wrote a user's revocation mark (tokens issued before them refused): a
 * ban, a role change (tokens carry the role) and a deletion.
 */
export const BLOCKING_ACTIONS = [
  'user.ban',
  'user.role',
  'user.delete',
] as const satisfies readonly AuditAction[]

/**
 * The user marks admin wrote since `since`, read back from its audit log: what it restores in
 * Redis after a Redis loss.
 */
export async function revocationsSince(
  em: EntityManager,
  input: { since: Date },
): Promise<Revocations> {
  const entries = await em.find(
    AuditEntry,
    { action: { $in: [...BLOCKING_ACTIONS] }, at: { $gte: input.since } },
    { fields: ['targetId', 'at'] },
  )
  return { users: entries.map((entry) => ({ id: entry.targetId, since: entry.at })) }
}
