import {
  type Env,
  loadServiceBaseConfig,
  LOCAL_DEFAULTS,
  readInt,
  readOptionalString,
  readSecret,
  readUrl,
  type ServiceBaseConfig,
} from '@chatty/config'

import { SERVICE } from './service.js'

export interface AdminBootstrap {
  username: string
  email: string
  password: string
}

export interface AuthConfig extends ServiceBaseConfig {
  publicUrl: string
  jwt: ServiceBaseConfig['jwt'] & {
    /** A private Ed25519 JWK (JSON). Unset outside production: a key is generated and kept in the database. */
    privateJwk: string | undefined
  }
  refreshTokenTtlDays: number
  bcryptCost: number
  passwordWorkers: number
  /** Keys the HMAC of verification codes and reset tokens, so a leaked table cannot be brute-forced. */
  codeSecret: string
  admin: AdminBootstrap | undefined
}

export function loadConfig(env: Env): AuthConfig {
  const base = loadServiceBaseConfig(env, SERVICE)
  const privateJwk = readOptionalString(env, 'AUTH_JWT_PRIVATE_JWK')
  if (base.production && !privateJwk) {
    throw new Error('AUTH_JWT_PRIVATE_JWK must be set in production')
  }
  const adminUsername = readOptionalString(env, 'ADMIN_USERNAME')
  const adminEmail = readOptionalString(env, 'ADMIN_EMAIL')
  const adminPassword = readOptionalString(env, 'ADMIN_PASSWORD')
  const adminParts = [adminUsername, adminEmail, adminPassword].filter(Boolean).length
  if (adminParts > 0 && adminParts < 3) {
    throw new Error('ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD must be set together')
  }
  return {
    ...base,
    publicUrl: readUrl(env, 'PUBLIC_URL', LOCAL_DEFAULTS.publicUrl).replace(/\/+$/, ''),
    jwt: {
      ...base.jwt,
      privateJwk,
    },
    refreshTokenTtlDays: readInt(env, 'REFRESH_TOKEN_TTL_DAYS', 30, { min: 1, max: 365 }),
    bcryptCost: readInt(env, 'BCRYPT_COST', 12, { min: base.production ? 12 : 4, max: 15 }),
    passwordWorkers: readInt(env, 'PASSWORD_WORKERS', 2, { min: 1, max: 16 }),
    codeSecret: readSecret(env, 'AUTH_CODE_SECRET', 'dev-only-code-secret-change-me'),
    admin:
      adminUsername && adminEmail && adminPassword
        ? { username: adminUsername, email: adminEmail.toLowerCase(), password: adminPassword }
        : undefined,
  }
}
