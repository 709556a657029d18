import type { PublicUser } from '@chatty/contracts'
import { type EntityManager, inGoodStandingAt, preparedQuery } from '@chatty/db'
import { isInGoodStanding, NotFoundError, type Standing } from '@chatty/domain'
import {
  type Expression,
  type ExpressionBuilder,
  type ExpressionWrapper,
  type Selectable,
  sql,
  type SqlBool,
} from 'kysely'

import { db, type SubscriptionDb } from '../db.js'

/** An account's follow counts, summed from its `user_counters` shards. */
export interface FollowCounts {
  followers_count: number
  following_count: number
}

/** What subscription knows about an account: its users row and its follow counts. */
export type UserRecord = Selectable<SubscriptionDb['users']> & FollowCounts

/**
 * The condition on a `users` row (under `alias`) that a feed or a list may show it at `now`:
 * registered (its UserRegistered has arrived) and in good standing. `isRegistered` and
 * `isInGoodStanding` in code.
 */
export function isShownUserAt<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  alias: string,
  now: Date,
): ExpressionWrapper<DB, TB, SqlBool> {
  return eb.and([
    eb(sql.ref(`${alias}.username`), 'is not', null),
    inGoodStandingAt(
      eb,
      {
        status: sql.ref<string>(`${alias}.status`),
        bannedUntil: sql.ref<Date | null>(`${alias}.banned_until`),
      },
      now,
    ),
  ])
}

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

/**
 * The `counter` count of the user `userId` refers to, as a scalar subquery over at most
 * USER_COUNTER_SHARDS rows of the primary key, for the select list of a query on users: a list
 * reads every shown account's counts in its one query.
 */
export function followCount(
  em: EntityManager,
  counter: 'followers' | 'following',
  userId: Expression<string>,
) {
  return db(em)
    .selectFrom('user_counters')
    .select((eb) =>
      eb
        .fn<number>('greatest', [
          eb.cast<number>(eb.fn.coalesce(eb.fn.sum<number>(counter), eb.lit(0)), 'integer'),
          eb.lit(0),
        ])
        .as(counter),
    )
    .where('user_counters.user_id', '=', userId)
}

/** Users rows with their follow counts. */
function selectUsers(em: EntityManager) {
  return db(em)
    .selectFrom('users')
    .selectAll('users')
    .select((eb) => [
      followCount(em, 'followers', eb.ref('users.id')).as('followers_count'),
      followCount(em, 'following', eb.ref('users.id')).as('following_count'),
    ])
    .$narrowType<FollowCounts>()
}

const userByUsernameQuery = preparedQuery((em, { username }: { username: string }) =>
  selectUsers(em).where((eb) =>
    eb(eb.fn('lower', ['username']), '=', eb.fn('lower', [eb.val(username)])),
  ),
)

/** A registered user by username in any case, whatever their status. */
export async function findByUsername(
  em: EntityManager,
  username: string,
): Promise<RegisteredUser | null> {
  const [user] = await userByUsernameQuery(em, { username })
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

const lockUserQuery = preparedQuery(
  (em, { userId }: { userId: string }, mode: 'alone' | 'shared') => {
    // Locks the users row only: the counter shards stay free for follows meanwhile.
    const query = selectUsers(em).where('users.id', '=', userId)
    return mode === 'alone' ? query.forUpdate('users') : query.forShare('users')
  },
)

/**
 * Locks a user row for the rest of the transaction and reads it. Every consumer that changes
 * what feeds hold of an author takes this lock first, so a post being fanned out, a ban being
 * applied and a follow being backfilled never interleave. Backfills of one author into different
 * followers' feeds may: they take it `shared` (and serialise per follow, see `syncFollowInFeed`),
 * so a thousand new followers of one account are not handled one at a time.
 */
export async function lockUser(
  em: EntityManager,
  userId: string,
  mode: 'alone' | 'shared' = 'alone',
): Promise<UserRecord | null> {
  const [user] = await lockUserQuery(em, { userId }, mode)
  return user ?? null
}

const lockFolloweeQuery = preparedQuery((em, pair: { followerId: string; followeeId: string }) =>
  selectUsers(em)
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('follows as f')
            .select(eb.lit(1).as('one'))
            .where('f.follower_id', '=', pair.followerId)
            .whereRef('f.followee_id', '=', 'users.id'),
        )
        .as('follows'),
    )
    .where('users.id', '=', pair.followeeId)
    .forShare('users'),
)

/**
 * The followee of a follow, locked `shared` as `lockUser` does, and whether the follow stands: one
 * statement. Null when the followee has no row.
 */
export async function lockFollowee(
  em: EntityManager,
  pair: { followerId: string; followeeId: string },
): Promise<{ followee: UserRecord; follows: boolean } | null> {
  const [row] = await lockFolloweeQuery(em, pair)
  if (!row) return null
  const { follows, ...followee } = row
  return { followee, follows: Boolean(follows) }
}

const insertUnknownUserQuery = preparedQuery((em, { userId, at }: { userId: string; at: Date }) =>
  db(em)
    .insertInto('users')
    .values({ id: userId, created_at: at })
    .onConflict((conflict) => conflict.column('id').doNothing()),
)

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
  await insertUnknownUserQuery(em, { userId, at })
}

/** `lockUser`, creating the row first (see `insertUnknownUser`) when there is none. */
export async function ensureUser(em: EntityManager, userId: string, at: Date): Promise<UserRecord> {
  await insertUnknownUser(em, userId, at)
  const user = await lockUser(em, userId)
  if (!user) throw new Error(`User ${userId} vanished while being locked`)
  return user
}

/** The counters kept on the users row; follow counts are in `user_counters` (`moveFollowCounts`). */
export type UserCounter = 'posts_count'

const moveCounterQuery = preparedQuery(
  (em, { userId, by }: { userId: string; by: number }, counter: UserCounter) =>
    db(em)
      .updateTable('users')
      .set(counter, (eb) => eb.fn<number>('greatest', [eb(counter, '+', by), eb.lit(0)]))
      .where('id', '=', userId),
)

/** Moves a counter of an account by one, never below zero (events may arrive out of order). */
export async function moveCounter(
  em: EntityManager,
  userId: string,
  counter: UserCounter,
  by: 1 | -1,
): Promise<void> {
  await moveCounterQuery(em, { userId, by }, counter)
}

/** Whose counts a follow or unfollow moves. */
