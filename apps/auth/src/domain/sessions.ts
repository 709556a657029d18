import { uuidv7 } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { ForbiddenError, UnauthorizedError } from '@chatty/domain'
import { revocationKeys } from '@chatty/http'
import { LockMode } from '@mikro-orm/core'

import type { AuthContext } from '../context.js'
import { RefreshToken } from '../entities/refresh-token.entity.js'
import { Session } from '../entities/session.entity.js'
import { User, type UserRow } from '../entities/user.entity.js'
import { newOpaqueToken, sha256 } from './secrets.js'

export interface ClientInfo {
  ip: string | null
  userAgent: string | null
}

export interface IssuedTokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  user: UserRow
}

const invalidRefreshToken = () =>
  new UnauthorizedError(
    'The refresh token is invalid, expired or revoked.',
    'invalid-refresh-token',
  )

function addRefreshToken(em: EntityManager, ctx: AuthContext, sessionId: string, now: Date) {
  const refreshToken = newOpaqueToken()
  em.create(RefreshToken, {
    id: uuidv7(),
    sessionId,
    tokenHash: sha256(refreshToken),
    createdAt: now,
    expiresAt: new Date(now.getTime() + ctx.config.refreshTokenTtlDays * 86_400_000),
    rotatedAt: null,
  })
  return refreshToken
}

function signFor(ctx: AuthContext, user: UserRow, sessionId: string, now: Date) {
  return ctx.signer.signAccessToken(
    {
      id: user.id,
      username: user.username,
      sessionId,
      role: user.role,
      emailVerified: user.emailVerifiedAt != null,
    },
    now,
  )
}

/** A ban refuses login until it is lifted or its `until` has passed. */
export function isBanned(user: UserRow, now: Date): boolean {
  return user.status === 'banned' && (!user.bannedUntil || user.bannedUntil > now)
}

/**
 * Starts a session for a user who just proved their password. The account is re-read under a
 * share lock: a ban committing meanwhile either waits for this session (and then revokes it) or
 * is seen here, so no token outlives a ban that raced the login.
 */
export async function openSession(
  ctx: AuthContext,
  userId: string,
  client: ClientInfo,
): Promise<IssuedTokens> {
  const now = ctx.clock()
  const sessionId = uuidv7()
  const { user, refreshToken } = await ctx.orm.em.fork().transactional(async (em) => {
    const current = await em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_READ })
    if (!current || current.status === 'deleted') {
      throw new UnauthorizedError('The login or the password is wrong.', 'invalid-credentials')
    }
    if (isBanned(current, now)) {
      throw new ForbiddenError('This account is banned.', 'account-banned')
    }
    em.create(Session, {
      id: sessionId,
      userId,
      ip: client.ip,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + ctx.config.refreshTokenTtlDays * 86_400_000),
      revokedAt: null,
      revokedReason: null,
    })
    return { user: current, refreshToken: addRefreshToken(em, ctx, sessionId, now) }
  })
  return {
    accessToken: await signFor(ctx, user, sessionId, now),
    refreshToken,
    expiresIn: ctx.config.jwt.accessTokenTtlSeconds,
    user,
  }
}

/**
 * Exchanges a refresh token for a new pair. The token row is locked, so two concurrent uses
 * cannot both rotate it; a token that was already rotated is a replay and ends the session.
 */
export async function rotateRefreshToken(
  ctx: AuthContext,
  presented: string,
): Promise<IssuedTokens> {
  const now = ctx.clock()
  const outcome = await ctx.orm.em.fork().transactional(async (em) => {
    const token = await em.findOne(
      RefreshToken,
      { tokenHash: sha256(presented) },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    )
    if (!token) return { kind: 'invalid' as const }
    if (token.rotatedAt) return { kind: 'reused' as const, sessionId: token.sessionId }
    const session = await em.findOne(Session, { id: token.sessionId })
    if (!session || session.revokedAt || session.expiresAt <= now || token.expiresAt <= now) {
      return { kind: 'invalid' as const }
    }
    const user = await em.findOne(User, { id: session.userId })
    if (!user || user.status === 'deleted' || isBanned(user, now)) {
      return { kind: 'invalid' as const }
    }
    token.rotatedAt = now
    session.lastUsedAt = now
    const refreshToken = addRefreshToken(em, ctx, session.id, now)
    return { kind: 'rotated' as const, user, sessionId: session.id, refreshToken }
  })
  if (outcome.kind === 'reused') {
    await revokeSessions(ctx, [outcome.sessionId], 'refresh-token-reuse')
    throw invalidRefreshToken()
  }
  if (outcome.kind === 'invalid') throw invalidRefreshToken()
  return {
    accessToken: await signFor(ctx, outcome.user, outcome.sessionId, now),
    refreshToken: outcome.refreshToken,
    expiresIn: ctx.config.jwt.accessTokenTtlSeconds,
    user: outcome.user,
  }
}

/** The session a refresh token belongs to, whatever state the token is in. */
export async function sessionOfRefreshToken(
  ctx: AuthContext,
  presented: string,
): Promise<string | undefined> {
  const token = await ctx.orm.em.fork().findOne(RefreshToken, { tokenHash: sha256(presented) })
  return token?.sessionId
}

/**
 * Ends sessions at once everywhere: the Redis mark makes every service reject their access
 * tokens on the next request; it is written first, so a Redis outage fails the call (503)
 * before anything changes.
 */
export async function revokeSessions(
  ctx: AuthContext,
  sessionIds: string[],
  reason: string,
): Promise<void> {
  if (sessionIds.length === 0) return
  const ttl = ctx.config.jwt.accessTokenTtlSeconds + 60
  const marks = ctx.redis.pipeline()
  for (const id of sessionIds) marks.set(revocationKeys.session(id), reason, 'EX', ttl)
  const results = await marks.exec()
  for (const [error] of results ?? []) if (error) throw error
  await ctx.orm.em
    .fork()
    .nativeUpdate(
      Session,
      { id: { $in: sessionIds }, revokedAt: null },
      { revokedAt: ctx.clock(), revokedReason: reason },
    )
}

/**
 * Rejects every access token a user holds now (ban, deletion) and ends all their sessions, in the
 * caller's transaction. The Redis mark outlives any token issued before it.
 */
export async function blockUser(
  ctx: AuthContext,
  em: EntityManager,
  userId: string,
  reason: string,
): Promise<void> {
  const now = ctx.clock()
  await ctx.redis.set(
    revocationKeys.user(userId),
    String(now.getTime()),
    'EX',
    ctx.config.jwt.accessTokenTtlSeconds + 60,
  )
  await em.nativeUpdate(
    Session,
    { userId, revokedAt: null },
    { revokedAt: now, revokedReason: reason },
  )
}
