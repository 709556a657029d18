import {
  type Env,
  loadServiceBaseConfig,
  readBool,
  readInt,
  readString,
  readUrl,
  type ServiceBaseConfig,
} from '@chatty/config'

export interface PostsConfig extends ServiceBaseConfig {
  messagingPrefix: string
  trustProxy: boolean
  requireVerifiedEmail: boolean
  rateLimitMultiplier: number
  /** Where auth publishes the public keys that verify access tokens; fetched once and cached. */
  authJwksUrl: string
  jwt: { issuer: string; audience: string }
}

export function loadConfig(env: Env): PostsConfig {
  const base = loadServiceBaseConfig(env, 'posts', {
    port: 3002,
    databaseVariable: 'POSTS_DATABASE_URL',
  })
  return {
    ...base,
    messagingPrefix: readString(env, 'MESSAGING_PREFIX', ''),
    trustProxy: readBool(env, 'TRUST_PROXY', true),
    requireVerifiedEmail: readBool(env, 'REQUIRE_VERIFIED_EMAIL', true),
    rateLimitMultiplier: readInt(env, 'RATE_LIMIT_MULTIPLIER', 1, { min: 1, max: 10_000 }),
    authJwksUrl: readUrl(
      env,
      'AUTH_JWKS_URL',
      'http://127.0.0.1:3001/api/auth/.well-known/jwks.json',
    ),
    jwt: {
      issuer: readString(env, 'JWT_ISSUER', 'chatty-auth'),
      audience: readString(env, 'JWT_AUDIENCE', 'chatty'),
    },
  }
}
