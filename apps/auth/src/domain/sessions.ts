import { UUID_PATTERN, uuidv7 } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import {
  ForbiddenError,
  isBannedAt,
  isInGoodStanding,
  NotFoundError,
  type RevocationMarks,
  type Revocations,
  UnauthorizedError,
} from '@chatty/domain'
import { LockMode } from '@mikro-orm/core'

import type { AuthConfig } from '../config.js'
import { RefreshToken, type RefreshTokenRow } from '../entities/refresh-token.entity.js'
import { Session, type SessionRow } from '../entities/session.entity.js'
import { User, type UserRow } from '../entities/user.entity.js'
import { newOpaqueToken, sha256 } from './secrets.js'
import type { TokenSigner } from './signing-keys.js'

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

/** What issuing tokens needs: the clock, the signing key and the token lifetimes. */
export interface SessionDeps {
  clock: () => Date
  signer: TokenSigner
  config: { refreshTokenTtlDays: AuthConfig['refreshTokenTtlDays']; jwt: RevocationConfig }
}

interface RevocationConfig {
  accessTokenTtlSeconds: number
}

/** What ending sessions needs: the clock and the marks every service checks. */
export interface RevocationDeps {
  clock: () => Date
  revocationMarks: RevocationMarks
}

const DAY_MS = 86_400_000
const USER_AGENT_MAX_LENGTH = 300

/** The columns of an account its standing is read from. */
export type AccountStanding = Pick<UserRow, 'status' | 'bannedUntil'>

/** A session and each of its refresh tokens live this long from when they are issued. */
export function refreshLifetimeEnd(issuedAt: Date, ttlDays: number): Date {
  return new Date(issuedAt.getTime() + ttlDays * DAY_MS)
}

/** A session can still be refreshed: not ended, not past its lifetime. */
export function isSessionLive(
  session: Pick<SessionRow, 'revokedAt' | 'expiresAt'>,
  now: Date,
): boolean {
  return session.revokedAt == null && session.expiresAt > now
}

/**
 * Whether an account that just proved its password may open a session at `now`: a missing or
 * deleted account answers like a wrong password; a ban is said as such.
 */
export function assertMayLogIn<A extends AccountStanding>(
  account: A | null,
  now: Date,
): asserts account is A {
  if (!account || account.status === 'deleted') {
    throw new UnauthorizedError('The login or the password is wrong.', 'invalid-credentials')
  }
  if (isBannedAt(account, now)) {
    throw new ForbiddenError('This account is banned.', 'account-banned')
  }
}

/**
 * What a presented refresh token earns: a rotation; nothing; or, for a token that was rotated
 * already, the end of its session, since a replay means the token was stolen.
 */
export type RefreshVerdict = 'rotate' | 'refuse' | 'replayed'

export function judgeRefresh(
  token: Pick<RefreshTokenRow, 'rotatedAt' | 'expiresAt'> | null,
  session: Pick<SessionRow, 'revokedAt' | 'expiresAt'> | null,
  account: AccountStanding | null,
  now: Date,
): RefreshVerdict {
  if (!token) return 'refuse'
  if (token.rotatedAt) return 'replayed'
  if (token.expiresAt <= now || !session || !isSessionLive(session, now)) return 'refuse'
  if (!account || !isInGoodStanding(account, now)) return 'refuse'
  return 'rotate'
}

function addRefreshToken(em: EntityManager, deps: SessionDeps, sessionId: string, now: Date) {
  const refreshToken = newOpaqueToken()
  em.create(RefreshToken, {
    id: uuidv7(),
    sessionId,
    tokenHash: sha256(refreshToken),
    createdAt: now,
    expiresAt: refreshLifetimeEnd(now, deps.config.refreshTokenTtlDays),
    rotatedAt: null,
  })
  return refreshToken
}

async function issueTokens(
  deps: SessionDeps,
  user: UserRow,
  sessionId: string,
  refreshToken: string,
  now: Date,
): Promise<IssuedTokens> {
  const accessToken = await deps.signer.signAccessToken(
    {
      id: user.id,
      username: user.username,
      sessionId,
      role: user.role,
      emailVerified: user.emailVerifiedAt != null,
    },
    now,
  )
  return { accessToken, refreshToken, expiresIn: deps.config.jwt.accessTokenTtlSeconds, user }
}

/**
 * Starts a session for a user who just proved their password. The account is re-read under a
 * share lock: a ban committing meanwhile either waits for this session (and then revokes it) or
 * is seen here, so no token outlives a ban that raced the login.
 */
export async function openSession(
  em: EntityManager,
  deps: SessionDeps,
  input: { userId: string; client: ClientInfo },
): Promise<IssuedTokens> {
  const now = deps.clock()
  const user = await em.findOne(User, { id: input.userId }, { lockMode: LockMode.PESSIMISTIC_READ })
  assertMayLogIn(user, now)
  const session = em.create(Session, {
    id: uuidv7(),
    userId: input.userId,
    ip: input.client.ip,
    userAgent: input.client.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: refreshLifetimeEnd(now, deps.config.refreshTokenTtlDays),
    revokedAt: null,
    revokedReason: null,
  })
  return issueTokens(
    deps,
    user as UserRow,
    session.id,
    addRefreshToken(em, deps, session.id, now),
    now,
  )
}

/**
 * Exchanges a refresh token for a new pair; null when it is refused. The token row is locked, so
 * two concurrent uses cannot both rotate it; a token that was already rotated is a replay and
 * ends its session (in this transaction, which the caller commits).
 */
export async function rotateRefreshToken(
  em: EntityManager,
  deps: SessionDeps & RevocationDeps,
  input: { refreshToken: string },
): Promise<IssuedTokens | null> {
  const now = deps.clock()
  const token = await em.findOne(
    RefreshToken,
    { tokenHash: sha256(input.refreshToken) },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  const session =
    token && !token.rotatedAt ? await em.findOne(Session, { id: token.sessionId }) : null
  const user = session ? await em.findOne(User, { id: session.userId }) : null
  const verdict = judgeRefresh(token, session, user, now)
  if (verdict === 'replayed' && token) {
    await revokeSessions(em, deps, { sessionIds: [token.sessionId], reason: 'refresh-token-reuse' })
  }
  if (verdict !== 'rotate' || !token || !session || !user) return null
  token.rotatedAt = now
  session.lastUsedAt = now
  return issueTokens(deps, user, session.id, addRefreshToken(em, deps, session.id, now), now)
}

/**
 * Ends sessions at once everywhere: the Redis mark makes every service reject their access
 * tokens on the next request; it is written first, so a Redis outage fails the call (503)
 * before anything changes.
 */
export async function revokeSessions(
  em: EntityManager,
  deps: RevocationDeps,
  input: { sessionIds: string[]; reason: string },
): Promise<void> {
  const { sessionIds, reason } = input
  if (sessionIds.length === 0) return
  await deps.revocationMarks.write({ sessions: sessionIds })
  await em.nativeUpdate(
    Session,
    { id: { $in: sessionIds }, revokedAt: null },
    { revokedAt: deps.clock(), revokedReason: reason },
  )
}

/** Logout: ends the session a refresh token belongs to, whatever state the token is in. */
export async function endSessionOfRefreshToken(
  em: EntityManager,
  deps: RevocationDeps,
  input: { refreshToken: string },
): Promise<void> {
  const token = await em.findOne(RefreshToken, { tokenHash: sha256(input.refreshToken) })
  if (token) await revokeSessions(em, deps, { sessionIds: [token.sessionId], reason: 'logout' })
}

/** Ends every session of a user that is still open. */
export async function endAllSessions(
  em: EntityManager,
  deps: RevocationDeps,
  input: { userId: string },
): Promise<void> {
  const sessions = await em.find(
    Session,
    { userId: input.userId, revokedAt: null },
    { fields: ['id'] },
  )
  await revokeSessions(em, deps, {
    sessionIds: sessions.map((session) => session.id),
    reason: 'logout-all',
  })
}

/**
 * Rejects every access token a user holds now, in every service, without ending their sessions (a
 * role change: a refresh then issues a token with the new role). The Redis mark outlives any token
 * issued before it; answers the time of the mark.
 */
export async function refuseTokensIssuedBefore(
  deps: RevocationDeps,
  input: { userId: string },
): Promise<Date> {
  const now = deps.clock()
  await deps.revocationMarks.write({ users: [{ id: input.userId, since: now }] })
  return now
}

/**
 * Rejects every access token a user holds now (ban, deletion) and ends all their sessions, in the
 * caller's transaction. The Redis mark outlives any token issued before it.
 */
export async function blockUser(
  em: EntityManager,
  deps: RevocationDeps,
  input: { userId: string; reason: string },
): Promise<void> {
  const now = await refuseTokensIssuedBefore(deps, input)
  await em.nativeUpdate(
    Session,
    { userId: input.userId, revokedAt: null },
    { revokedAt: now, revokedReason: input.reason },
  )
}

/** A session as its owner sees it in the list of their devices. */
export type SessionSummary = Pick<
  SessionRow,
  'id' | 'createdAt' | 'lastUsedAt' | 'ip' | 'userAgent'
>

/** At most this many sessions are listed; logout-all ends them all however many there are. */
export const LISTED_SESSIONS_MAX = 100

/** The user's live sessions (not ended, not past their lifetime), the most recently used first. */
export async function listLiveSessions(
  em: EntityManager,
  deps: { clock: () => Date },
  input: { userId: string },
): Promise<SessionSummary[]> {
  return em.find(
    Session,
    { userId: input.userId, revokedAt: null, expiresAt: { $gt: deps.clock() } },
    {
      fields: ['id', 'createdAt', 'lastUsedAt', 'ip', 'userAgent'],
      orderBy: { lastUsedAt: 'desc', id: 'desc' },
      limit: LISTED_SESSIONS_MAX,
    },
  )
}

/**
 * Ends one live session of the user, wherever it is used. Another user's session, an unknown or
 * malformed id and a session that has ended already are all the same 404.
 */
export async function endOwnSession(
  em: EntityManager,
  deps: RevocationDeps,
  input: { userId: string; sessionId: string },
): Promise<void> {
  const noSuchSession = () => new NotFoundError('No such session.')
  if (!UUID_PATTERN.test(input.sessionId)) throw noSuchSession()
  const session = await em.findOne(
    Session,
    { id: input.sessionId.toLowerCase(), userId: input.userId },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  )
  if (!session || !isSessionLive(session, deps.clock())) throw noSuchSession()
  await revokeSessions(em, deps, { sessionIds: [session.id], reason: 'revoked-by-user' })
}

/** Ends every open session of the user but one (the caller's own, after a password change). */
export async function endOtherSessions(
  em: EntityManager,
  deps: RevocationDeps,
  input: { userId: string; keepSessionId: string; reason: string },
): Promise<void> {
  const others = await em.find(
    Session,
    { userId: input.userId, revokedAt: null, id: { $ne: input.keepSessionId } },
    { fields: ['id'] },
  )
  await revokeSessions(em, deps, {
    sessionIds: others.map((session) => session.id),
    reason: input.reason,
  })
}

/** The sessions ended since `since`: the marks auth owns, for restoring them after a Redis loss. */
export async function sessionsRevokedSince(
  em: EntityManager,
  input: { since: Date },
): Promise<Revocations> {
  const sessions = await em.find(Session, { revokedAt: { $gte: input.since } }, { fields: ['id'] })
  return { sessions: sessions.map((session) => session.id) }
}
