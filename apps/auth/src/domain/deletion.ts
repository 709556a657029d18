import { UserDeleted } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { isInGoodStanding, RuleViolationError, ValidationError } from '@chatty/domain'
import { enqueue } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import { User, type UserRow } from '../entities/user.entity.js'
import { SERVICE } from '../service.js'
import { findOwnAccount } from './accounts.js'
import { blockUser, type RevocationDeps } from './sessions.js'

/**
 * The address a deleted account keeps in place of its own: unique, and unable to receive mail
 * (`.invalid` is reserved by RFC 2606), so the person can register again with theirs.
 */
export function releasedEmail(userId: string): string {
  return `deleted+${userId}@deleted.invalid`
}

export const wrongPassword = () =>
  new ValidationError(
    [{ path: 'password', message: 'The password is wrong.' }],
    'The password is wrong.',
  )

/**
 * Closes an account for good, in the caller's transaction: deleted, its email released, every
 * session ended and every access token refused at once. The username stays taken forever.
 */
export async function closeAccount(
  em: EntityManager,
  deps: RevocationDeps,
  user: UserRow,
): Promise<void> {
  Object.assign(user, {
    status: 'deleted',
    email: releasedEmail(user.id),
    updatedAt: deps.clock(),
  })
  await blockUser(em, deps, { userId: user.id, reason: 'deleted' })
}

/**
 * Refuses to delete the only admin in good standing. The other admins' rows are locked (in id
 * order), so two admins deleting themselves at once cannot both go: the second sees the first
 * gone (or the two deadlock and the retry does).
 */
async function assertAnotherAdmin(em: EntityManager, deps: RevocationDeps, user: UserRow) {
  if (user.role !== 'admin') return
  const admins = await em.find(
    User,
    { role: 'admin', id: { $ne: user.id } },
    { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
  )
  const now = deps.clock()
  if (admins.some((admin) => isInGoodStanding(admin, now))) return
  throw new RuleViolationError('last-admin', 'The last admin cannot delete their account.')
}

/**
 * Deletes the caller's own account, whose password `passwordHash` was just checked against (a
 * password changed meanwhile makes it wrong), and writes UserDeleted, in the caller's transaction.
 */
export async function deleteOwnAccount(
  em: EntityManager,
  deps: RevocationDeps,
  input: { userId: string; passwordHash: string; correlationId: string | null },
): Promise<void> {
  // Locked as it is loaded, so what follows reads the latest committed account.
  await em.findOne(User, { id: input.userId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
  const user = await findOwnAccount(em, input.userId)
  if (user.passwordHash !== input.passwordHash) throw wrongPassword()
  await assertAnotherAdmin(em, deps, user)
  await closeAccount(em, deps, user)
  enqueue(
    em,
    UserDeleted,
    { userId: user.id },
    { producer: SERVICE.name, correlationId: input.correlationId },
  )
}
