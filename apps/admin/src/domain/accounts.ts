import { UserDeleted, UserRoleChanged } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { NotFoundError, RuleViolationError } from '@chatty/domain'
import { enqueue } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import { db } from '../db.js'
import {
  type RegisteredUserRow,
  type Role,
  type Status,
  User,
  type UserRow,
} from '../entities/user.entity.js'
import { SERVICE } from '../service.js'
import { recordAudit } from './audit.js'
import type { Actor } from './authority.js'
import { assertMayModerate, type BanDeps, banUser, unbanUser } from './moderation.js'
import { isRegistered } from './users.js'

/** The ban reason when an admin bans through the account change without giving one. */
export const DEFAULT_BAN_REASON = 'Banned by an administrator.'

export interface AccountChange {
  actor: Actor
  userId: string
  role?: Role | undefined
  status?: Status | undefined
  /** With status `banned` only. */
  reason?: string | undefined
  /** With status `banned` only; unset: until an unban. */
  durationHours?: number | undefined
  correlationId: string | null
}

interface AppliedChange {
  actor: Actor
  user: UserRow
  at: Date
  correlationId: string | null
}

/**
 * The non-deleted admins, locked in id order for the rest of the transaction. Two requests that
 * could each remove one of the last two admins both take these locks first, so the second counts
 * after the first has committed.
 */
async function lockAdmins(em: EntityManager): Promise<{ id: string; status: Status }[]> {
  return db(em)
    .selectFrom('users')
    .select(['id', 'status'])
    .where('role', '=', 'admin')
    .where('status', '!=', 'deleted')
    .where('username', 'is not', null)
    .orderBy('id')
    .forUpdate()
    .execute()
}

/**
 * Applies an admin's change of an account's role and status in the caller's transaction, each
 * part with its audit row, its event and the user's revocation mark (written before the commit).
 * Setting what the account already has changes nothing (a ban with a new reason or duration is
 * a new ban). Deletion is final, and the last active admin is never demoted, banned or deleted.
 */
export async function changeAccount(
  em: EntityManager,
  deps: BanDeps,
  change: AccountChange,
): Promise<RegisteredUserRow> {
  const { actor, correlationId } = change
  const admins = await lockAdmins(em)
  const user = await em.findOne(
    User,
    { id: change.userId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  if (!user || !isRegistered(user)) throw new NotFoundError('No such user.')

  const role = change.role !== undefined && change.role !== user.role ? change.role : undefined
  // A new reason or duration for a banned account bans it again, as the ban route does.
  const rebans =
    change.status === 'banned' &&
    (change.reason !== undefined || change.durationHours !== undefined)
  const status =
    change.status !== undefined && (change.status !== user.status || rebans)
      ? change.status
      : undefined
  if (user.status === 'deleted' && (role !== undefined || status !== undefined)) {
    const message = 'This account is deleted, and deletion is final.'
    throw new RuleViolationError('user-deleted', message, [
      { path: status !== undefined ? 'status' : 'role', message },
    ])
  }

  const demoted = user.role === 'admin' && role !== undefined
  const removed = user.role === 'admin' && (status === 'banned' || status === 'deleted')
  if (demoted || removed) {
    const others = admins.filter((admin) => admin.id !== user.id && admin.status === 'active')
    if (others.length === 0) {
      const message = 'This is the last admin; make another account admin first.'
      throw new RuleViolationError('last-admin', message, [
        { path: demoted ? 'role' : 'status', message },
      ])
    }
  }
  // Refused before the role change writes its mark, as the ban itself would refuse.
  if (status === 'banned') assertMayModerate(actor, { id: user.id, role: role ?? user.role }, 'ban')

  // An unban judges the role the account was banned with, a ban the role it gets now.
  if (status === 'active') await unbanUser(em, deps, { actor, userId: user.id, correlationId })
  if (role !== undefined) {
    await changeRole(em, deps, { actor, user, at: deps.clock(), correlationId }, role)
    // The ban below reads the row again; it must see the new role.
    await em.flush()
  }
  if (status === 'banned') {
    await banUser(em, deps, {
      actor,
      userId: user.id,
      reason: change.reason ?? DEFAULT_BAN_REASON,
      durationHours: change.durationHours,
      correlationId,
    })
  }
  if (status === 'deleted') {
    await deleteAccount(em, deps, { actor, user, at: deps.clock(), correlationId })
  }
  return user
}

/**
 * Gives the user a new role. Tokens carry the role, so the ones issued before now are refused
 * (a demoted admin's at once); auth applies UserRoleChanged and the user's next refresh carries
 * the new role.
 */
async function changeRole(
  em: EntityManager,
  deps: BanDeps,
  { actor, user, at, correlationId }: AppliedChange,
  role: Role,
): Promise<void> {
  await deps.revocationMarks.write({ users: [{ id: user.id, since: at }] })
  const previousRole = user.role
  Object.assign(user, { role, roleChangedAt: at, updatedAt: at })
  recordAudit(em, {
    actorId: actor.id,
    action: 'user.role',
    targetType: 'user',
    targetId: user.id,
    detail: { previousRole, role },
    at,
  })
  enqueue(
    em,
    UserRoleChanged,
    { userId: user.id, role, changedBy: actor.id },
    { producer: SERVICE.name, correlationId, occurredAt: at },
  )
}

/**
 * Deletes the account for good: its tokens are refused at once, and UserDeleted has auth end its
 * sessions and the other services remove what it made. The record stays here, as it was, for
 * moderation history.
 */
async function deleteAccount(
  em: EntityManager,
  deps: BanDeps,
  { actor, user, at, correlationId }: AppliedChange,
): Promise<void> {
  await deps.revocationMarks.write({ users: [{ id: user.id, since: at }] })
  const previousStatus = user.status
  Object.assign(user, { status: 'deleted', updatedAt: at })
  recordAudit(em, {
    actorId: actor.id,
    action: 'user.delete',
    targetType: 'user',
    targetId: user.id,
    detail: { previousStatus, role: user.role },
    at,
  })
  enqueue(
    em,
    UserDeleted,
    { userId: user.id },
    { producer: SERVICE.name, correlationId, occurredAt: at },
  )
}
