import type { PublicUser } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { NotFoundError } from '@chatty/http'

import type { UserStatus } from '../entities/user.entity.js'
import { toDate } from './sql.js'

export interface UserRecord {
  id: string
  username: string
  displayName: string
  bio: string
  avatarUrl: string | null
  status: UserStatus
  followersCount: number
  followingCount: number
  postsCount: number
  celebrity: boolean
  moderatedAt: Date | null
  createdAt: Date
}

export interface UserDbRow {
  id: string
  username: string
  display_name: string
  bio: string
  avatar_url: string | null
  status: UserStatus
  followers_count: number
  following_count: number
  posts_count: number
  celebrity: boolean
  moderated_at: string | null
  created_at: string
}

export const USER_COLUMNS = `u.id, u.username, u.display_name, u.bio, u.avatar_url, u.status,
  u.followers_count, u.following_count, u.posts_count, u.celebrity, u.moderated_at, u.created_at`

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
    createdAt: toDate(row.created_at),
  }
}

export function toPublicUser(user: UserRecord): PublicUser {
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

/** A user by username in any case, whatever their status. */
export async function findByUsername(
  em: EntityManager,
  username: string,
): Promise<UserRecord | null> {
  const [row] = await em.execute<UserDbRow[]>(
    `select ${USER_COLUMNS} from users u where lower(u.username) = lower(?)`,
    [username],
  )
  return row ? toUserRecord(row) : null
}

/** An account others may see and follow; banned and deleted ones are 404 like unknown ones. */
export async function findVisibleByUsername(
  em: EntityManager,
  username: string,
): Promise<UserRecord> {
  const user = await findByUsername(em, username)
  if (!user || user.status !== 'active') throw new NotFoundError('No such user.')
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
