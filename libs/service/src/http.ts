import type { ServiceBaseConfig } from '@chatty/config'
import type { RevocationMarks } from '@chatty/domain'
import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  createRedis,
  createRevocationMarks,
  RateLimiter,
  REVOCATION_OWNERS,
  revocationKeys,
} from '@chatty/http'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { Redis } from 'ioredis'
import type { JSONWebKeySet } from 'jose'

import {
  type CoreOptions,
  type CoreOverrides,
  createServiceCore,
  type ServiceCore,
} from './core.js'

/** What tests swap in an HTTP service's context. */
export interface ServiceOverrides extends CoreOverrides {
  redis?: Redis
  /** auth's public keys given directly, instead of fetched from AUTH_JWKS_URL. */
  tokenKeys?: JSONWebKeySet
}

export interface HttpServiceOptions extends Omit<CoreOptions, 'overrides'> {
  overrides?: ServiceOverrides
  /** auth verifies with its own keys; everyone else fetches them from auth. */
  tokenKeys?: (orm: MikroORM) => Promise<JSONWebKeySet>
}

/** The core, plus what a service with a public API needs: Redis, token verification, rate limits. */
export interface HttpServiceFoundation extends ServiceCore {
  redis: Redis
  verifyAccessToken: AccessTokenVerifier
  rateLimiter: RateLimiter
  /** Where a revocation this service decides is written (auth: sessions, admin: bans). */
  revocationMarks: RevocationMarks
}

// Connections for HTTP requests beside the consumers', so a busy queue never starves the API.
const HTTP_CONNECTIONS = 6

/** Builds the core and adds Redis, the access token verifier and the rate limiter to it. */
export async function createHttpServiceFoundation(
  config: ServiceBaseConfig,
  options: HttpServiceOptions,
): Promise<HttpServiceFoundation> {
  const overrides = options.overrides ?? {}
  const core = await createServiceCore(config, {
    ...options,
    headroomConnections: options.headroomConnections ?? HTTP_CONNECTIONS,
  })
  const redis = overrides.redis ?? createRedis(config.redisUrl)
  if (!overrides.redis) core.addCloseable(() => redis.disconnect())
  core.addDependencyCheck('redis', () => (redis.status === 'ready' ? 'ok' : 'down'))
  // Token checks answer 503 until every owner's revocation marks are in Redis (restored at start
  // and after Redis lost them): until then the service cannot serve a signed-in request.
  core.addDependencyCheck('revocations', async () => {
    if (redis.status !== 'ready') return 'down'
    const marks = await redis
      .mget(...REVOCATION_OWNERS.map(revocationKeys.complete))
      .catch(() => null)
    return marks && !marks.includes(null) ? 'ok' : 'down'
  })
  const keys =
    overrides.tokenKeys ??
    (options.tokenKeys ? await options.tokenKeys(core.orm) : new URL(config.authJwksUrl))
  return {
    ...core,
    redis,
    verifyAccessToken: createAccessTokenVerifier({
      keys,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      redis,
    }),
    rateLimiter: new RateLimiter(redis, { multiplier: config.rateLimitMultiplier }),
    revocationMarks: createRevocationMarks(redis, config.jwt),
  }
}
