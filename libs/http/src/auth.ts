import {
  ForbiddenError,
  type RevocationMarks,
  type Revocations,
  UnauthorizedError,
  UnavailableError,
} from '@chatty/domain'
import type { Context, MiddlewareHandler } from 'hono'
import type { Redis } from 'ioredis'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  type JSONWebKeySet,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose'

import type { AppEnv, AuthUser, Role } from './env.js'

export const ACCESS_TOKEN_TYPE = 'at+jwt'
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA'
const ROLES: readonly Role[] = ['user', 'moderator', 'admin']

/**
 * The services that decide revocations (auth: sessions; admin: bans) and keep their marks in
 * Redis. The marks are a cache of state each keeps in PostgreSQL (DESIGN §7).
 */
export const REVOCATION_OWNERS = ['auth', 'admin'] as const
export type RevocationOwner = (typeof REVOCATION_OWNERS)[number]

/** Redis keys for revocations that must not wait for token expiry (DESIGN §7). */
export const revocationKeys = {
  session: (sessionId: string) => `auth:revoked:sid:${sessionId}`,
  user: (userId: string) => `auth:blocked:user:${userId}`,
  /**
   * Present while an owner's marks are all in Redis: set once they are restored from PostgreSQL,
   * gone with everything else when Redis loses its data.
   */
  complete: (owner: RevocationOwner) => `auth:revocations:complete:${owner}`,
}

/** A revocation mark outlives every access token issued before it. */
export function revocationTtlSeconds(jwt: { accessTokenTtlSeconds: number }): number {
  return jwt.accessTokenTtlSeconds + 60
}

/**
 * Writes revocation marks that outlive every access token they concern (`ttlSeconds` is at least
 * the access token lifetime). Throws when Redis cannot take them, so a caller that writes them
 * before committing fails whole.
 */
export async function writeRevocationMarks(
  redis: Redis,
  revocations: Revocations,
  ttlSeconds: number,
): Promise<void> {
  const marks = redis.pipeline()
  for (const id of revocations.sessions ?? []) {
    marks.set(revocationKeys.session(id), '1', 'EX', ttlSeconds)
  }
  for (const { id, since } of revocations.users ?? []) {
    // A later block wins: an older one written after it must not shorten it.
    marks.eval(LATER_BLOCK_WINS, 1, revocationKeys.user(id), String(since.getTime()), ttlSeconds)
  }
  if (marks.length === 0) return
  const results = await marks.exec()
  if (!results) throw new UnavailableError()
  for (const [error] of results) if (error) throw error
}

/** Revocation marks in Redis, living as long as the tokens they concern. */
export function createRevocationMarks(
  redis: Redis,
  jwt: { accessTokenTtlSeconds: number },
): RevocationMarks {
  return {
    write: (revocations) => writeRevocationMarks(redis, revocations, revocationTtlSeconds(jwt)),
  }
}

const LATER_BLOCK_WINS = `local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`

/**
 * Whether a token issued at `issuedAt` (its `iat`, seconds) is revoked by a user's block mark
 * (`blockedSince`, the mark's value: the block time in ms; null when there is none).
 */
export function isBlockedBy(issuedAt: number, blockedSince: string | null): boolean {
  // iat is in seconds, with milliseconds as a fraction.
  return blockedSince !== null && issuedAt * 1000 <= Number(blockedSince)
}

export interface AccessTokenVerifierOptions {
  /** auth's own key set, or a URL to fetch (and cache) it from. */
  keys: JSONWebKeySet | URL
  issuer: string
  audience: string
  redis: Redis
}

export type AccessTokenVerifier = (token: string) => Promise<AuthUser>

/** auth's key set could not be fetched: the token may be fine, so the answer is 503, not 401. */
class KeysUnavailable extends Error {
  override name = 'KeysUnavailable'
}

/**
 * auth's JWKS, fetched once and cached. A failure to fetch it (auth down, a network error, a
 * non-200 answer) is not the token's fault and is reported as KeysUnavailable.
 */
function remoteKeys(url: URL): JWTVerifyGetKey {
  const keys = createRemoteJWKSet(url, { cooldownDuration: 30_000, cacheMaxAge: 3_600_000 })
  return async (header, token) => {
    try {
      return await keys(header, token)
    } catch (error) {
      const fetchFailed =
        error instanceof joseErrors.JWKSTimeout ||
        error instanceof joseErrors.JWKSInvalid ||
        (error instanceof TypeError && /fetch failed/i.test(error.message)) ||
        (error instanceof joseErrors.JOSEError && /Expected 200 OK/i.test(error.message))
      if (fetchFailed) throw new KeysUnavailable('cannot fetch the JWKS', { cause: error })
      throw error
    }
  }
}

/**
 * How long a verified token's signature and claims are remembered, never past its expiry: a
 * client's requests then cost one signature check a minute instead of one each (8 % of a feed
 * read's CPU). Far shorter than the remote key set's cache (an hour): a key withdrawn from the
 * JWKS is trusted at most a minute longer than that cache already trusted it. The revocation
 * marks are read on every request.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000
/** The most tokens remembered; past it the oldest is forgotten first. */
const VERIFIED_TOKENS_MAX = 10_000

/**
 * Verifies an access token locally (pinned algorithm, issuer, audience and type), then checks
 * the revocation marks in Redis. Fails closed: without Redis no token is accepted (503).
 */
export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const getKey: JWTVerifyGetKey =
    options.keys instanceof URL ? remoteKeys(options.keys) : createLocalJWKSet(options.keys)
  const verified = new Map<string, { user: AuthUser; until: number }>()

  /** The user a token names, once its signature and claims are checked (or remembered so). */
  async function userOf(token: string): Promise<AuthUser> {
    const remembered = verified.get(token)
    if (remembered && Date.now() < remembered.until) return remembered.user
    if (remembered) verified.delete(token)
    let payload
    try {
      ;({ payload } = await jwtVerify(token, getKey, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      }))
    } catch (error) {
      if (error instanceof KeysUnavailable) {
        throw new UnavailableError('The signing keys cannot be fetched right now.')
      }
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) {
        throw new UnauthorizedError('The access token is invalid or expired.')
      }
      throw error
    }
    const {
      sub,
      sid,
      role,
      iat,
      exp,
      ev,
      preferred_username: username,
    } = payload as Record<string, unknown>
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof username !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    ) {
      throw new UnauthorizedError('The access token is invalid or expired.')
    }
    if (!ROLES.includes(role as Role)) {
      throw new UnauthorizedError('The access token is invalid or expired.')
    }
    const user: AuthUser = {
      id: sub,
      username,
      sessionId: sid,
      role: role as Role,
      emailVerified: ev === true,
      issuedAt: iat,
    }
    if (verified.size >= VERIFIED_TOKENS_MAX) {
      const oldest = verified.keys().next()
      if (!oldest.done) verified.delete(oldest.value)
    }
    verified.set(token, { user, until: Math.min(Date.now() + VERIFIED_TOKEN_TTL_MS, exp * 1000) })
    return user
  }

  return async (token) => {
    const user = await userOf(token)
    const [sessionRevoked, blockedSince, complete] = await options.redis
      .pipeline()
      .exists(revocationKeys.session(user.sessionId))
      .get(revocationKeys.user(user.id))
      .mget(...REVOCATION_OWNERS.map(revocationKeys.complete))
      .exec()
      .then((results) => {
        if (!results) throw new UnavailableError()
        for (const [error] of results) if (error) throw error
        return [
          results[0]?.[1] === 1,
          results[1]?.[1] as string | null,
          results[2]?.[1] as (string | null)[],
        ] as const
      })
    // Without every owner's marks a revoked token could pass: fail closed until they are back.
    if (complete.includes(null)) {
      throw new UnavailableError('Revoked sessions are being restored. Try again shortly.')
    }
    if (sessionRevoked) throw new UnauthorizedError('This session has ended.')
    if (isBlockedBy(user.issuedAt, blockedSince)) {
      throw new UnauthorizedError('This access token has been revoked.')
    }
    return { ...user }
  }
}

/** The bearer token of the request, if it sends one; 401 for a malformed Authorization header. */
export function bearerToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header('authorization')
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (!match) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".')
  return match[1]
}

/** Requires a valid access token; the user is then `c.get('user')`. */
export function requireUser(verify: AccessTokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c)
    if (!token) throw new UnauthorizedError()
    c.set('user', await verify(token))
    await next()
  }
}

/** Reads the user when a token is sent; anonymous requests pass. A bad token is still a 401. */
export function optionalUser(verify: AccessTokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c)
    if (token) c.set('user', await verify(token))
    await next()
  }
}

/** The authenticated user, for handlers behind requireUser. */
export function currentUser(c: Context<AppEnv>): AuthUser {
  const user = c.get('user')
  if (!user) throw new UnauthorizedError()
  return user
}

/** Requires one of the roles (after requireUser). */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(currentUser(c).role)) {
      throw new ForbiddenError('Your role does not allow this.')
    }
    await next()
  }
}

/** Writes need a verified email (REQUIRE_VERIFIED_EMAIL); after requireUser. */
export function requireVerifiedEmail(required: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (required && !currentUser(c).emailVerified) {
      throw new ForbiddenError('Verify your email address first.', 'email-not-verified')
    }
    await next()
  }
}
