import type { PublicUser } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { isInGoodStanding, NotFoundError, type Standing } from '@chatty/domain'
import type { Selectable } from 'kysely'

import { db, type SubscriptionDb } from '../db.js'

/** What subscription knows about an account: its users row. */
export type UserRecord = Selectable<SubscriptionDb['users']>

/** An account whose UserRegistered has been applied. */
export type RegisteredUser = UserRecord & { username: string }

export function isRegistered(user: UserRecord): user is RegisteredUser {
  return user.username !== null
}

/** The account's standing, as `@chatty/domain` judges it. */
export function standingOf(user: Pick<UserRecord, 'status' | 'banned_until'>): Standing {
  return { status: user.status, bannedUntil: user.banned_until }
}

export function toPublicUser(user: RegisteredUser): PublicUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    bio: user.bio,
    avatarUrl: user.avatar_url,
    createdAt: user.created_at.toISOString(),
    followersCount: user.followers_count,
    followingCount: user.following_count,
    postsCount: user.posts_count,
  }
}

/** A registered user by username in any case, whatever their status. */
export async function findByUsername(
  em: EntityManager,
  username: string,
): Promise<RegisteredUser | null> {
  const user = await db(em)
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['username']), '=', eb.fn('lower', [eb.val(username)])))
    .executeTakeFirst()
  return user && isRegistered(user) ? user : null
}

/** An account others may see and follow; banned and deleted ones are 404 like unknown ones. */
export async function findVisibleByUsername(
  em: EntityManager,
  username: string,
  now: Date,
): Promise<RegisteredUser> {
  const user = await findByUsername(em, username)
  if (!user || !isInGoodStanding(standingOf(user), now)) throw new NotFoundError('No such user.')
  return user
}

/**
 * Locks a user row for the rest of the transaction and reads it. Every consumer that changes
 * what feeds hold of an author takes this lock first, so a post being fanned out, a follow being
 * backfilled and a ban being applied to the same author never interleave.
 */
export async function lockUser(em: EntityManager, userId: string): Promise<UserRecord | null> {
  const user = await db(em)
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst()
  return user ?? null
}

/**
 * Creates the row of an account no event has mentioned yet, without a username: events about it
 * may overtake its UserRegistered (DESIGN §5), and the row keeps what they say until the
 * registration fills in the rest.
 */
export async function insertUnknownUser(
  em: EntityManager,
  userId: string,
  at: Date,
): Promise<void> {
  await db(em)
    .insertInto('users')
    .values({ id: userId, created_at: at })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute()
}

/** `lockUser`, creating the row first (see `insertUnknownUser`) when there is none. */
export async function ensureUser(em: EntityManager, userId: string, at: Date): Promise<UserRecord> {
  await insertUnknownUser(em, userId, at)
  const user = await lockUser(em, userId)
  if (!user) throw new Error(`User ${userId} vanished while being locked`)
  return user
}

export type UserCounter = 'followers_count' | 'following_count' | 'posts_count'

/** Moves a counter of an account by one, never below zero (events may arrive out of order). */
export async function moveCounter(
  em: EntityManager,
  userId: string,
  counter: UserCounter,
  by: 1 | -1,
): Promise<void> {
  await db(em)
    .updateTable('users')
    .set(counter, (eb) => eb.fn<number>('greatest', [eb(counter, '+', by), eb.lit(0)]))
    .where('id', '=', userId)
    .execute()
}
