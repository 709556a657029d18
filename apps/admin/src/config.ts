import {
  type Env,
  loadServiceBaseConfig,
  readBool,
  readString,
  readUrl,
  type ServiceBaseConfig,
} from '@chatty/config'

export interface AdminConfig extends ServiceBaseConfig {
  messagingPrefix: string
  trustProxy: boolean
  /** Where auth publishes the public keys that verify access tokens. */
  authJwksUrl: string
  jwt: { issuer: string; audience: string }
}

export function loadConfig(env: Env): AdminConfig {
  const base = loadServiceBaseConfig(env, 'admin', {
    port: 3004,
    databaseVariable: 'ADMIN_DATABASE_URL',
  })
  return {
    ...base,
    messagingPrefix: readString(env, 'MESSAGING_PREFIX', ''),
    trustProxy: readBool(env, 'TRUST_PROXY', true),
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
