import {
  type EmailTemplate,
  SendEmail,
  UserEmailVerified,
  UserRegistered,
  UserRoleChanged,
  uuidv7,
} from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { ConflictError, RuleViolationError, UnauthorizedError } from '@chatty/domain'
import { enqueue } from '@chatty/messaging'
import { LockMode, raw, UniqueConstraintViolationException } from '@mikro-orm/core'

import type { AdminBootstrap } from '../config.js'
import { EmailVerification } from '../entities/email-verification.entity.js'
import { type ROLES, User, type UserRow } from '../entities/user.entity.js'
import { SERVICE } from '../service.js'
import type { PasswordHasher } from './passwords.js'
import { normalizeLogin } from './usernames.js'
import { judgeCode, newPendingCode } from './verification-codes.js'

export interface Registration {
  username: string
  email: string
  password: string
  displayName?: string | undefined
}

/** A registration whose names were free when checked and whose password is hashed. */
export interface PreparedRegistration extends Omit<Registration, 'password'> {
  passwordHash: string
}

/** What writing accounts needs: the clock, and the secret and address verification codes use. */
export interface AccountDeps {
  clock: () => Date
  config: { codeSecret: string; publicUrl: string }
}

export interface PasswordDeps {
  passwords: Pick<PasswordHasher, 'hash'>
}

/** Looks a user up by username (any case) or email. */
export function findByLogin(em: EntityManager, login: string): Promise<UserRow | null> {
  const normalized = normalizeLogin(login)
  return normalized.includes('@')
    ? em.findOne(User, { email: normalized })
    : em.findOne(User, { [raw((alias) => `lower(${alias}.username)`)]: normalized })
}

/** The caller's own account; a deleted one no longer authenticates. */
export async function findOwnAccount(em: EntityManager, userId: string): Promise<UserRow> {
  const user = await em.findOne(User, { id: userId })
  if (!user || user.status === 'deleted') throw new UnauthorizedError()
  return user
}

const usernameTaken = () =>
  new ConflictError('username-taken', 'This username is taken.', [
    { path: 'username', message: 'This username is taken.' },
  ])

const emailTaken = () =>
  new ConflictError('email-taken', 'An account with this email exists.', [
    { path: 'email', message: 'An account with this email exists.' },
  ])

/**
 * Refuses a taken username (in any case) or email before the slow password hash is spent on
 * it, then hashes the password.
 */
export async function prepareRegistration(
  em: EntityManager,
  deps: PasswordDeps,
  input: Registration,
): Promise<PreparedRegistration> {
  const { password, ...names } = input
  if (await findByLogin(em, input.username)) throw usernameTaken()
  if (await em.findOne(User, { email: input.email }, { fields: ['id'] })) throw emailTaken()
  return { ...names, passwordHash: await deps.passwords.hash(password) }
}

/**
 * Creates an account and writes its UserRegistered event, in the caller's transaction: the one
 * way an account comes to exist, whether someone registers or the admin is bootstrapped.
 */
function createAccount(
  em: EntityManager,
  account: PreparedRegistration & { role: (typeof ROLES)[number] },
  now: Date,
  correlationId: string | null,
): UserRow {
  const user = em.create(User, {
    id: uuidv7(),
    username: account.username,
    email: account.email,
    displayName: account.displayName ?? account.username,
    bio: '',
    avatarUrl: null,
    passwordHash: account.passwordHash,
    role: account.role,
    status: 'active',
    // Counted in user_counters; a new account has no follows and no posts yet.
    followersCount: 0,
    followingCount: 0,
    postsCount: 0,
    createdAt: now,
    updatedAt: now,
  })
  enqueue(
    em,
    UserRegistered,
    {
      userId: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      registeredAt: now.toISOString(),
    },
    { producer: SERVICE.name, correlationId },
  )
  return user
}

/**
 * Queues an email to the account's address through the outbox, in the caller's transaction; every
 * template greets by username and display name.
 */
export function emailAccount(
  em: EntityManager,
  input: {
    user: Pick<UserRow, 'id' | 'email' | 'username' | 'displayName'>
    template: EmailTemplate
    params?: Record<string, string>
    correlationId: string | null
  },
): void {
  const { user, template, params, correlationId } = input
  enqueue(
    em,
    SendEmail,
    {
      emailId: uuidv7(),
      to: user.email,
      userId: user.id,
      template,
      params: { username: user.username, displayName: user.displayName, ...params },
    },
    { producer: SERVICE.name, correlationId },
  )
}

/** Replaces the user's pending code and queues the email that carries it, in the caller's transaction. */
export async function issueVerificationCode(
  em: EntityManager,
  deps: AccountDeps,
  input: { user: UserRow; correlationId: string | null },
): Promise<void> {
  const { user, correlationId } = input
  const now = deps.clock()
  const { code, codeHash, expiresAt } = newPendingCode(deps.config.codeSecret, now)
  await em.upsert(EmailVerification, {
    userId: user.id,
    codeHash,
    attempts: 0,
    expiresAt,
    createdAt: now,
  })
  const link = `${deps.config.publicUrl}/verify-email?email=${encodeURIComponent(user.email)}&code=${code}`
  emailAccount(em, { user, template: 'verify-email', params: { code, link }, correlationId })
}

/**
 * Creates the account, its verification code, the UserRegistered event and the verification
 * email in the caller's transaction: either all of it happens or none. A registration that
 * races another for the same name loses with the same 409 as one that came later.
 */
export async function registerAccount(
  em: EntityManager,
  deps: AccountDeps,
  input: PreparedRegistration & { correlationId: string | null },
): Promise<UserRow> {
  const { correlationId, ...account } = input
  const user = createAccount(em, { ...account, role: 'user' }, deps.clock(), correlationId)
  await issueVerificationCode(em, deps, { user, correlationId })
  try {
    await em.flush()
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const { constraint } = error as { constraint?: string }
      if (constraint === 'users_username_lower_unique') throw usernameTaken()
      if (constraint === 'users_email_unique') throw emailTaken()
    }
    throw error
  }
  return user
}

/** Sends a new code to an active, unverified account; silently nothing for any other address. */
export async function resendVerificationCode(
  em: EntityManager,
  deps: AccountDeps,
  input: { email: string; correlationId: string | null },
): Promise<void> {
  const user = await em.findOne(User, { email: input.email })
  if (user && user.status === 'active' && !user.emailVerifiedAt) {
    await issueVerificationCode(em, deps, { user, correlationId: input.correlationId })
  }
}

function markVerified(
  em: EntityManager,
  user: UserRow,
  now: Date,
  correlationId: string | null,
): void {
  user.emailVerifiedAt = now
  user.updatedAt = now
  enqueue(
    em,
    UserEmailVerified,
    { userId: user.id, verifiedAt: now.toISOString() },
    { producer: SERVICE.name, correlationId },
  )
}

/**
 * The owner proved the address (the code from the email, or a reset link sent to it): marks it
 * verified and welcomes them. The bootstrapped admin is verified by the operator and not welcomed.
 */
export function confirmEmailAddress(
  em: EntityManager,
  user: UserRow,
  now: Date,
  correlationId: string | null,
): void {
  markVerified(em, user, now, correlationId)
  emailAccount(em, { user, template: 'welcome', correlationId })
}

const invalidCode = (detail = 'The code is wrong.') =>
  new RuleViolationError('invalid-code', detail, [{ path: 'code', message: detail }])

/** A verification either verifies the account or is refused; a refusal still counts its guess. */
export type VerificationOutcome = { verified: UserRow } | { refused: RuleViolationError }

/**
 * Checks a verification code. The pending row is locked so concurrent guesses count one by one;
 * after five wrong guesses the code is dead and a new one must be requested. The outcome is
 * answered, not thrown, so the caller commits the counted guess before refusing.
 */
export async function verifyEmail(
  em: EntityManager,
  deps: AccountDeps,
  input: { email: string; code: string; correlationId: string | null },
): Promise<VerificationOutcome> {
  const now = deps.clock()
  const user = await em.findOne(User, { email: input.email })
  if (!user || user.status === 'deleted') return { refused: invalidCode() }
  if (user.emailVerifiedAt) return { verified: user }
  const pending = await em.findOne(
    EmailVerification,
    { userId: user.id },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  switch (judgeCode(pending, input.code, deps.config.codeSecret, now)) {
    case 'none':
      return { refused: invalidCode('No valid code is pending; request a new one.') }
    case 'expired':
      return {
        refused: new RuleViolationError(
          'code-expired',
          'The code has expired; request a new one.',
          [{ path: 'code', message: 'The code has expired.' }],
        ),
      }
    case 'wrong':
      if (pending) pending.attempts += 1
      return { refused: invalidCode() }
    case 'right':
      if (pending) em.remove(pending)
      confirmEmailAddress(em, user, now, input.correlationId)
      return { verified: user }
  }
}

/**
 * Creates the configured admin, or promotes and verifies an existing account with that username
 * or email, in the caller's transaction. An existing account keeps its password.
 */
export async function bootstrapAdmin(
  em: EntityManager,
  deps: Pick<AccountDeps, 'clock'> & PasswordDeps,
  admin: AdminBootstrap,
): Promise<UserRow> {
  const now = deps.clock()
  const existing = (await findByLogin(em, admin.username)) ?? (await findByLogin(em, admin.email))
  if (!existing) {
    const passwordHash = await deps.passwords.hash(admin.password)
    const user = createAccount(
      em,
      { username: admin.username, email: admin.email, passwordHash, role: 'admin' },
      now,
      null,
    )
    markVerified(em, user, now, null)
    return user
  }
  if (existing.role !== 'admin') {
    existing.role = 'admin'
    existing.updatedAt = now
    enqueue(
      em,
      UserRoleChanged,
      { userId: existing.id, role: 'admin', changedBy: null },
      { producer: SERVICE.name, correlationId: null },
    )
  }
  if (!existing.emailVerifiedAt) markVerified(em, existing, now, null)
  return existing
}
