import {
  SendEmail,
  UserEmailVerified,
  UserRegistered,
  UserRoleChanged,
  uuidv7,
} from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { ConflictError, RuleViolationError } from '@chatty/domain'
import { enqueue } from '@chatty/messaging'
import { LockMode, raw, UniqueConstraintViolationException } from '@mikro-orm/core'

import type { AdminBootstrap } from '../config.js'
import type { AuthContext } from '../context.js'
import { EmailVerification } from '../entities/email-verification.entity.js'
import { User, type UserRow } from '../entities/user.entity.js'
import { SERVICE } from '../service.js'
import { keyedHash, newVerificationCode, sameHash } from './secrets.js'

export const VERIFICATION_CODE_TTL_MS = 30 * 60_000
export const VERIFICATION_MAX_ATTEMPTS = 5

export interface Registration {
  username: string
  email: string
  password: string
  displayName?: string | undefined
}

/** Looks a user up by username (any case) or email. */
export function findByLogin(em: EntityManager, login: string): Promise<UserRow | null> {
  const normalized = login.trim().toLowerCase()
  return normalized.includes('@')
    ? em.findOne(User, { email: normalized })
    : em.findOne(User, { [raw((alias) => `lower(${alias}.username)`)]: normalized })
}

async function assertAvailable(em: EntityManager, username: string, email: string): Promise<void> {
  const taken = await em
    .getConnection()
    .execute<{ username_taken: boolean; email_taken: boolean }[]>(
      `select exists(select 1 from users where lower(username) = lower(?)) as username_taken,
              exists(select 1 from users where email = ?) as email_taken`,
      [username, email],
    )
  const [row] = taken
  if (row?.username_taken) {
    throw new ConflictError('username-taken', 'This username is taken.', [
      { path: 'username', message: 'This username is taken.' },
    ])
  }
  if (row?.email_taken) {
    throw new ConflictError('email-taken', 'An account with this email exists.', [
      { path: 'email', message: 'An account with this email exists.' },
    ])
  }
}

/** Replaces the user's pending code and queues the email that carries it, in the caller's transaction. */
export function issueVerificationCode(
  ctx: AuthContext,
  em: EntityManager,
  user: UserRow,
  correlationId: string | null,
): void {
  const now = ctx.clock()
  const code = newVerificationCode()
  em.upsert(EmailVerification, {
    userId: user.id,
    codeHash: keyedHash(ctx.config.codeSecret, code),
    attempts: 0,
    expiresAt: new Date(now.getTime() + VERIFICATION_CODE_TTL_MS),
    createdAt: now,
  })
  const link = `${ctx.config.publicUrl}/verify-email?email=${encodeURIComponent(user.email)}&code=${code}`
  enqueue(
    em,
    SendEmail,
    {
      emailId: uuidv7(),
      to: user.email,
      userId: user.id,
      template: 'verify-email',
      params: { username: user.username, displayName: user.displayName, code, link },
    },
    { producer: SERVICE.name, correlationId },
  )
}

/**
 * Creates the account, its verification code, the UserRegistered event and the verification
 * email in one transaction: either all of it happens or none.
 */
export async function registerAccount(
  ctx: AuthContext,
  input: Registration,
  correlationId: string | null,
): Promise<UserRow> {
  const em = ctx.orm.em.fork()
  await assertAvailable(em, input.username, input.email)
  const passwordHash = await ctx.passwords.hash(input.password)
  const now = ctx.clock()
  try {
    return await em.transactional(async (tx) => {
      const user = tx.create(User, {
        id: uuidv7(),
        username: input.username,
        email: input.email,
        displayName: input.displayName ?? input.username,
        bio: '',
        avatarUrl: null,
        passwordHash,
        role: 'user',
        status: 'active',
        createdAt: now,
        updatedAt: now,
      })
      enqueue(
        tx,
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
      issueVerificationCode(ctx, tx, user, correlationId)
      return user
    })
  } catch (error) {
    // A concurrent registration won the race between the check and the insert.
    if (error instanceof UniqueConstraintViolationException) {
      await assertAvailable(ctx.orm.em.fork(), input.username, input.email)
    }
    throw error
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

const invalidCode = (detail = 'The code is wrong.') =>
  new RuleViolationError('invalid-code', detail, [{ path: 'code', message: detail }])

/**
 * Checks a verification code. The pending row is locked so concurrent guesses count one by one;
 * after five wrong guesses the code is dead and a new one must be requested.
 */
export async function verifyEmail(
  ctx: AuthContext,
  email: string,
  code: string,
  correlationId: string | null,
): Promise<UserRow> {
  const now = ctx.clock()
  const outcome = await ctx.orm.em.fork().transactional(async (em) => {
    const user = await em.findOne(User, { email })
    if (!user || user.status === 'deleted') return { error: invalidCode() }
    if (user.emailVerifiedAt) return { user }
    const pending = await em.findOne(
      EmailVerification,
      { userId: user.id },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    )
    if (!pending || pending.attempts >= VERIFICATION_MAX_ATTEMPTS) {
      return { error: invalidCode('No valid code is pending; request a new one.') }
    }
    if (pending.expiresAt <= now) {
      return {
        error: new RuleViolationError('code-expired', 'The code has expired; request a new one.', [
          { path: 'code', message: 'The code has expired.' },
        ]),
      }
    }
    if (!sameHash(pending.codeHash, keyedHash(ctx.config.codeSecret, code))) {
      pending.attempts += 1
      return { error: invalidCode() }
    }
    em.remove(pending)
    markVerified(em, user, now, correlationId)
    return { user }
  })
  if (outcome.error) throw outcome.error
  return outcome.user
}

/**
 * Creates the configured admin, or promotes and verifies an existing account with that username
 * or email. An existing account keeps its password.
 */
export async function bootstrapAdmin(ctx: AuthContext, admin: AdminBootstrap): Promise<UserRow> {
  const em = ctx.orm.em.fork()
  const now = ctx.clock()
  const existing = (await findByLogin(em, admin.username)) ?? (await findByLogin(em, admin.email))
  if (!existing) {
    const passwordHash = await ctx.passwords.hash(admin.password)
    return em.transactional(async (tx) => {
      const user = tx.create(User, {
        id: uuidv7(),
        username: admin.username,
        email: admin.email,
        displayName: admin.username,
        bio: '',
        avatarUrl: null,
        passwordHash,
        role: 'admin',
        status: 'active',
        createdAt: now,
        updatedAt: now,
      })
      enqueue(
        tx,
        UserRegistered,
        {
          userId: user.id,
          username: user.username,
          email: user.email,
          displayName: user.displayName,
          role: 'admin',
          registeredAt: now.toISOString(),
        },
        { producer: SERVICE.name, correlationId: null },
      )
      markVerified(tx, user, now, null)
      return user
    })
  }
  return em.transactional(async (tx) => {
    const user = await tx.findOneOrFail(User, { id: existing.id })
    if (user.role !== 'admin') {
      user.role = 'admin'
      user.updatedAt = now
      enqueue(
        tx,
        UserRoleChanged,
        { userId: user.id, role: 'admin', changedBy: null },
        { producer: SERVICE.name, correlationId: null },
      )
    }
    if (!user.emailVerifiedAt) markVerified(tx, user, now, null)
    return user
  })
}
