import type { EntityManager } from '@chatty/db'
import { RuleViolationError, UnauthorizedError } from '@chatty/domain'
import { LockMode } from '@mikro-orm/core'

import { PasswordReset, type PasswordResetRow } from '../entities/password-reset.entity.js'
import { User, type UserRow } from '../entities/user.entity.js'
import { type AccountDeps, confirmEmailAddress, emailAccount, findOwnAccount } from './accounts.js'
import type { PasswordHasher } from './passwords.js'
import { newOpaqueToken, sha256 } from './secrets.js'
import { blockUser, endOtherSessions, type RevocationDeps } from './sessions.js'

export const PASSWORD_RESET_TTL_MS = 30 * 60_000

/** A fresh reset token (256 random bits), what is stored of it (its SHA-256), and when it dies. */
export function newPendingReset(now: Date) {
  const token = newOpaqueToken()
  return {
    token,
    tokenHash: sha256(token),
    expiresAt: new Date(now.getTime() + PASSWORD_RESET_TTL_MS),
  }
}

/** A presented reset token works while it is pending, unexpired, and its account not deleted. */
export function isResetUsable(
  pending: Pick<PasswordResetRow, 'expiresAt'> | null,
  account: Pick<UserRow, 'status'> | null,
  now: Date,
): boolean {
  return (
    pending != null && pending.expiresAt > now && account != null && account.status !== 'deleted'
  )
}

export const invalidResetToken = () =>
  new RuleViolationError(
    'invalid-token',
    'The reset link is invalid, used or expired; ask for a new one.',
    [{ path: 'token', message: 'The token is invalid, used or expired.' }],
  )

export const wrongCurrentPassword = () =>
  new RuleViolationError('validation-failed', 'The current password is wrong.', [
    { path: 'currentPassword', message: 'The current password is wrong.' },
  ])

/**
 * Forgot password: for an account that exists and is not deleted, replaces its pending reset and
 * queues the email with the link, in the caller's transaction. Any other address gets nothing,
 * after the same lookup and the same token work, so neither the answer nor its time tells.
 */
export async function requestPasswordReset(
  em: EntityManager,
  deps: AccountDeps,
  input: { email: string; correlationId: string | null },
): Promise<void> {
  const now = deps.clock()
  const user = await em.findOne(User, { email: input.email })
  const { token, tokenHash, expiresAt } = newPendingReset(now)
  if (!user || user.status === 'deleted') return
  await em.upsert(PasswordReset, { userId: user.id, tokenHash, expiresAt, createdAt: now })
  const link = `${deps.config.publicUrl}/reset-password?token=${encodeURIComponent(token)}`
  emailAccount(em, {
    user,
    template: 'password-reset',
    params: { link },
    correlationId: input.correlationId,
  })
}

async function findReset(em: EntityManager, token: string, lock: boolean) {
  const lockMode = lock ? LockMode.PESSIMISTIC_WRITE : undefined
  const pending = await em.findOne(PasswordReset, { tokenHash: sha256(token) }, { lockMode })
  const user = pending ? await em.findOne(User, { id: pending.userId }, { lockMode }) : null
  return { pending, user }
}

/** Whether a reset token would work now: checked before the slow hash of the new password. */
export async function isResetTokenUsable(
  em: EntityManager,
  deps: { clock: () => Date },
  input: { token: string },
): Promise<boolean> {
  const { pending, user } = await findReset(em, input.token, false)
  return isResetUsable(pending, user, deps.clock())
}

/**
 * Sets the new password (hashed by the caller), uses the token up, ends every session and blocks
 * every live access token of the account, confirms the address the link was sent to, and queues
 * the password-changed notice, all in the caller's transaction. The reset row is locked, so of
 * two uses of one token only the first succeeds. The revocation mark is written before the commit:
 * a Redis outage fails the whole reset.
 */
export async function resetPassword(
  em: EntityManager,
  deps: AccountDeps & RevocationDeps,
  input: { token: string; passwordHash: string; correlationId: string | null },
): Promise<void> {
  const now = deps.clock()
  const { pending, user } = await findReset(em, input.token, true)
  if (!pending || !user || !isResetUsable(pending, user, now)) throw invalidResetToken()
  user.passwordHash = input.passwordHash
  user.updatedAt = now
  em.remove(pending)
  await blockUser(em, deps, { userId: user.id, reason: 'password-reset' })
  if (!user.emailVerifiedAt) confirmEmailAddress(em, user, now, input.correlationId)
  emailAccount(em, { user, template: 'password-changed', correlationId: input.correlationId })
}

/** A password change whose current password was right, with the new one hashed. */
export interface PreparedPasswordChange {
  /** The hash the current password was checked against; the change applies only over it. */
  checkedHash: string
  newHash: string
}

/**
 * Checks the current password and hashes the new one, outside any transaction (both are slow);
 * null when the current password is wrong.
 */
export async function preparePasswordChange(
  em: EntityManager,
  deps: { passwords: Pick<PasswordHasher, 'hash' | 'verify'> },
  input: { userId: string; currentPassword: string; newPassword: string },
): Promise<PreparedPasswordChange | null> {
  const user = await findOwnAccount(em, input.userId)
  if (!(await deps.passwords.verify(input.currentPassword, user.passwordHash))) return null
  return { checkedHash: user.passwordHash, newHash: await deps.passwords.hash(input.newPassword) }
}

/**
 * Sets the new password, ends every other session of the user (their access tokens are refused
 * at once; the caller's session stays), drops a pending reset link, and queues the
 * password-changed notice, in the caller's transaction. A password changed meanwhile by another
 * request makes the checked one stale: it is refused like a wrong one.
 */
export async function changePassword(
  em: EntityManager,
  deps: RevocationDeps,
  input: PreparedPasswordChange & {
    userId: string
    sessionId: string
    correlationId: string | null
  },
): Promise<void> {
  const user = await em.findOne(
    User,
    { id: input.userId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  if (!user || user.status === 'deleted') throw new UnauthorizedError()
  if (user.passwordHash !== input.checkedHash) throw wrongCurrentPassword()
  user.passwordHash = input.newHash
  user.updatedAt = deps.clock()
  await endOtherSessions(em, deps, {
    userId: user.id,
    keepSessionId: input.sessionId,
    reason: 'password-changed',
  })
  await em.nativeDelete(PasswordReset, { userId: user.id })
  emailAccount(em, { user, template: 'password-changed', correlationId: input.correlationId })
}
