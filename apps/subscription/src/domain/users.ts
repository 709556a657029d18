import type { PublicUser } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { NotFoundError } from '@chatty/domain'

import type { UserStatus } from '../entities/user.entity.js'
import { toDate } from './sql.js'

export interface UserRecord {
  id: string
  /** Null until the account's UserRegistered has been applied. */
  username: string | null
  displayName: string
  bio: string
  avatarUrl: string | null
  status: UserStatus
  followersCount: number
  followingCount: number
  postsCount: number
  celebrity: boolean
  moderatedAt: Date | null
  bannedUntil: Date | null
  profileAt: Date | null
  createdAt: Date
}

/** An account whose UserRegistered has been applied. */
export type RegisteredUser = UserRecord & { username: string }

export interface UserDbRow {
  id: string
  username: string | null
  display_name: string
  bio: string
  avatar_url: string | null
  status: UserStatus
  followers_count: number
  following_count: number
  posts_count: number
  celebrity: boolean
  moderated_at: string | null
  banned_until: string | null
  profile_at: string | null
  created_at: string
}

export const USER_COLUMNS = `u.id, u.username, u.display_name, u.bio, u.avatar_url, u.status,
  u.followers_count, u.following_count, u.posts_count, u.celebrity, u.moderated_at, u.banned_until, u.profile_at, u.created_at`

export function toUserRecord(row: UserDbRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    bio: row.bio,
    avatarUrl: row.avatar_url,
    status: row.status,
    followersCount: row.followers_count,
    followingCount: row.following_count,
    postsCount: row.posts_count,
    celebrity: row.celebrity,
    moderatedAt: row.moderated_at === null ? null : toDate(row.moderated_at),
    bannedUntil: row.banned_until === null ? null : toDate(row.banned_until),
    profileAt: row.profile_at === null ? null : toDate(row.profile_at),
    createdAt: toDate(row.created_at),
  }
}

export function isRegistered(user: UserRecord): user is RegisteredUser {
  return user.username !== null
}

/**
 * Whether the account's posts may be shown and the account followed: not deleted, and not banned
 * or banned until a time now past (the UserUnbanned that follows the end of a ban may still be on
 * its way, or lost).
 */
export function isInGoodStanding(
  user: Pick<UserRecord, 'status' | 'bannedUntil'>,
  now: Date,
): boolean {
  if (user.status === 'active') return true
  return user.status === 'banned' && user.bannedUntil !== null && user.bannedUntil <= now
}

/**
 * `isRegistered && isInGoodStanding` as SQL on the users row aliased `alias`; its one parameter
 * is now.
 */
export function shownUserSql(alias: string): string {
  return `(${alias}.username is not null and (${alias}.status = 'active' or (${alias}.status = 'banned' and ${alias}.banned_until is not null and ${alias}.banned_until <= ?)))`
}

export function toPublicUser(user: RegisteredUser): PublicUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    bio: user.bio,
    avatarUrl: user.avatarUrl,
    createdAt: user.createdAt.toISOString(),
    followersCount: user.followersCount,
    followingCount: user.followingCount,
    postsCount: user.postsCount,
  }
}

/** A registered user by username in any case, whatever their status. */
export async function findByUsername(
  em: EntityManager,
  username: string,
): Promise<RegisteredUser | null> {
  const [row] = await em.execute<UserDbRow[]>(
    `select ${USER_COLUMNS} from users u where lower(u.username) = lower(?)`,
    [username],
  )
  const user = row ? toUserRecord(row) : null
  return user && isRegistered(user) ? user : null
}

/** An account others may see and follow; banned and deleted ones are 404 like unknown ones. */
export async function findVisibleByUsername(
  em: EntityManager,
  username: string,
  now: Date,
): Promise<RegisteredUser> {
  const user = await findByUsername(em, username)
  if (!user || !isInGoodStanding(user, now)) throw new NotFoundError('No such user.')
  return user
}

/**
 * Locks a user row for the rest of the transaction and reads it. Every consumer that changes
 * what feeds hold of an author takes this lock first, so a post being fanned out, a follow being
 * backfilled and a ban being applied to the same author never interleave.
 */
export async function lockUser(em: EntityManager, userId: string): Promise<UserRecord | null> {
  const [row] = await em.execute<UserDbRow[]>(
    `select ${USER_COLUMNS} from users u where u.id = ? for update`,
    [userId],
  )
  return row ? toUserRecord(row) : null
}

/**
 * `lockUser`, creating the row first, without a username, when no event has mentioned the
 * account yet: events about it may overtake its UserRegistered (DESIGN §5), and the row keeps
 * what they say until the registration fills in the rest.
 */
export async function ensureUser(em: EntityManager, userId: string, at: Date): Promise<UserRecord> {
  await em.execute('insert into users (id, created_at) values (?, ?) on conflict (id) do nothing', [
    userId,
    at,
  ])
  const user = await lockUser(em, userId)
  if (!user) throw new Error(`User ${userId} vanished while being locked`)
  return user
}
