import type { EntityManager } from '@chatty/db'
import { NotFoundError } from '@chatty/domain'
import { type FilterQuery, LockMode } from '@mikro-orm/core'

import { db } from '../db.js'
import { Email, type EmailRow } from '../entities/email.entity.js'
import {
  type RegisteredUserRow,
  type Role,
  type Status,
  User,
  type UserRow,
} from '../entities/user.entity.js'

export const RECENT_EMAILS = 50

export function isRegistered(user: UserRow): user is RegisteredUserRow {
  return user.username != null && user.email != null && user.displayName != null
}

/**
 * The account's row, locked for the rest of the transaction, created first as a placeholder when
 * no event has mentioned the account yet: events about it may overtake its UserRegistered
 * (DESIGN §5), and the row keeps what they say until the registration fills in the rest.
 */
export async function ensureUser(em: EntityManager, userId: string, now: Date): Promise<UserRow> {
  const lockMode = LockMode.PESSIMISTIC_WRITE
  const existing = await em.findOne(User, { id: userId }, { lockMode })
  if (existing) return existing
  await db(em)
    .insertInto('users')
    .values({ id: userId, role: 'user', status: 'active', created_at: now, updated_at: now })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute()
  return em.findOneOrFail(User, { id: userId }, { lockMode })
}

export interface Registration {
  userId: string
  username: string
  email: string
  displayName: string
  role: Role
  registeredAt: Date
}

/**
 * Fills in a placeholder (or a new row) from the account's UserRegistered. What events applied
 * before it say is newer than the registration (verification, a profile update, a role change,
 * the deletion) and stays; a repeated registration (a replay, a re-run bootstrap) changes nothing,
 * so it never undoes a ban decided here.
 */
export async function applyRegistration(
  em: EntityManager,
  deps: { clock: () => Date },
  registration: Registration,
): Promise<void> {
  const now = deps.clock()
  const user = await ensureUser(em, registration.userId, now)
  if (isRegistered(user)) return
  user.username = registration.username
  user.email = registration.email
  user.displayName ??= registration.displayName
  if (user.roleChangedAt == null) user.role = registration.role
  user.createdAt = registration.registeredAt
  user.updatedAt = now
}

export interface UserSearch {
  /** Part of a username, display name or email, case-insensitive. */
  q?: string | undefined
  status?: Status | undefined
  role?: Role | undefined
  /** The position of the last user of the previous page. */
  after?: { createdAt: string; id: string } | undefined
  limit: number
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`
}

/**
 * Registered accounts matching `search`, newest first: up to `limit + 1`, the extra one telling
 * the caller there is another page. Placeholders are not listed.
 */
export async function searchUsers(
  em: EntityManager,
  search: UserSearch,
): Promise<RegisteredUserRow[]> {
  const where: FilterQuery<UserRow> = { username: { $ne: null } }
  if (search.status) where.status = search.status
  if (search.role) where.role = search.role
  const and: FilterQuery<UserRow>[] = []
  if (search.q) {
    const pattern = likePattern(search.q)
    and.push({
      $or: [
        { username: { $ilike: pattern } },
        { displayName: { $ilike: pattern } },
        { email: { $ilike: pattern } },
      ],
    })
  }
  if (search.after) {
    const createdAt = new Date(search.after.createdAt)
    and.push({
      $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: search.after.id } }],
    })
  }
  if (and.length > 0) where.$and = and
  const rows = await em.find(User, where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: search.limit + 1,
  })
  // The query leaves placeholders out already; this only tells the type.
  return rows.filter(isRegistered)
}

export interface UserDetail {
  user: RegisteredUserRow
  /** The latest outcomes of the emails sent to the user, newest first. */
  emails: EmailRow[]
}

/** A registered account with the outcome of its recent emails; a placeholder is not found. */
export async function findUserDetail(em: EntityManager, userId: string): Promise<UserDetail> {
  const user = await em.findOne(User, { id: userId })
  if (!user || !isRegistered(user)) throw new NotFoundError('No such user.')
  const emails = await em.find(
    Email,
    { userId },
    { orderBy: { at: 'desc', emailId: 'desc' }, limit: RECENT_EMAILS },
  )
  return { user, emails }
}
