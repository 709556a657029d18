import type { EntityManager } from '@chatty/db'
import { isBannedAt } from '@chatty/domain'

import { db } from '../db.js'

export interface UserRecord {
  id: string
  username: string | null
  status: 'active' | 'banned' | 'deleted'
  banned_until: Date | null
  moderated_at: Date | null
  profile_at: Date | null
}

/**
 * The account's row, locked for the caller's transaction; created without a username when an
 * event about the account overtakes its UserRegistered.
 */
export async function ensureUser(em: EntityManager, id: string): Promise<UserRecord> {
  await db(em)
    .insertInto('users')
    .values({ id })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute()
  return db(em)
    .selectFrom('users')
    .select(['id', 'username', 'status', 'banned_until', 'moderated_at', 'profile_at'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow()
}

/** How an account takes part in a notification at `now`: absent (deleted), hidden (banned) or shown. */
export async function standingOf(
  em: EntityManager,
  id: string,
  now: Date,
): Promise<'deleted' | 'hidden' | 'shown'> {
  const user = await db(em)
    .selectFrom('users')
    .select(['status', 'banned_until'])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!user) return 'shown'
  if (user.status === 'deleted') return 'deleted'
  return isBannedAt({ status: user.status, bannedUntil: user.banned_until }, now)
    ? 'hidden'
    : 'shown'
}
