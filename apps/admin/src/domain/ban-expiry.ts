import type { EntityManager } from '@chatty/db'
import { LockMode } from '@mikro-orm/core'

import { User } from '../entities/user.entity.js'
import { liftBan } from './moderation.js'

export const BAN_EXPIRY_BATCH = 100

/**
 * Lifts up to `batchSize` temporary bans that ended by `clock()`, in the caller's transaction;
 * answers how many. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several admin instances
 * (or an unban in flight) never lift the same ban twice, and a re-ban committed first is left
 * alone.
 */
export async function liftExpiredBans(
  em: EntityManager,
  deps: { clock: () => Date },
  input: { batchSize: number } = { batchSize: BAN_EXPIRY_BATCH },
): Promise<number> {
  const now = deps.clock()
  const users = await em.find(
    User,
    { status: 'banned', bannedUntil: { $lte: now } },
    {
      orderBy: { bannedUntil: 'asc', id: 'asc' },
      limit: input.batchSize,
      lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
    },
  )
  for (const user of users) liftBan(em, user, { actorId: null, at: now, correlationId: null })
  return users.length
}
