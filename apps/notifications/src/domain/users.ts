import { type EntityManager, preparedQuery } from '@chatty/db'
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

export type Standing = 'deleted' | 'hidden' | 'shown'

const lockedUsersQuery = preparedQuery((em, { ids }: { ids: readonly string[] }) =>
  db(em)
    .selectFrom('users')
    .select(['id', 'status', 'banned_until'])
    .where((eb) => eb('id', '=', eb.fn.any(eb.val(ids))))
    // Taken in id order: two notifications between the same two accounts lock them alike.
    .orderBy('id')
    // Held until the notification is written, so a ban or deletion committing meanwhile (which
    // hides or removes the actor's notifications) waits for it and then sees it.
    .forShare(),
)

/**
 * How each account takes part in a notification at `now`: absent (deleted), hidden (banned) or
 * shown; an account not known yet is shown. One statement for all of them.
 */
export async function standingsOf(
  em: EntityManager,
  ids: readonly string[],
  now: Date,
): Promise<Map<string, Standing>> {
  const users = await lockedUsersQuery(em, { ids })
  const standings = new Map<string, Standing>(ids.map((id) => [id, 'shown']))
  for (const user of users) {
    const hidden = isBannedAt({ status: user.status, bannedUntil: user.banned_until }, now)
    standings.set(user.id, user.status === 'deleted' ? 'deleted' : hidden ? 'hidden' : 'shown')
  }
  return standings
}
