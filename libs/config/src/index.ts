import { readFileSync } from 'node:fs'

import type { ServiceManifest } from './service.js'

export type { ServiceManifest } from './service.js'

/** The process environment, or a literal map in tests. */
export type Env = Readonly<Record<string, string | undefined>>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** A required string; the fallback applies when the variable is unset or blank. */
export function readString(env: Env, name: string, fallback?: string): string {
  const value = raw(env, name) ?? fallback
  if (value === undefined) throw new ConfigError(`${name} is required`)
  return value
}

export function readOptionalString(env: Env, name: string): string | undefined {
  return raw(env, name)
}

export function readInt(
  env: Env,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const value = raw(env, name)
  if (value === undefined) return fallback
  if (!/^-?\d+$/.test(value)) throw new ConfigError(`${name} must be an integer, got "${value}"`)
  const parsed = Number(value)
  if (range.min !== undefined && parsed < range.min) {
    throw new ConfigError(`${name} must be at least ${range.min}`)
  }
  if (range.max !== undefined && parsed > range.max) {
    throw new ConfigError(`${name} must be at most ${range.max}`)
  }
  return parsed
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase()
  if (value === undefined) return fallback
  if (['true', '1', 'yes', 'on'].includes(value)) return true
  if (['false', '0', 'no', 'off'].includes(value)) return false
  throw new ConfigError(`${name} must be true or false, got "${value}"`)
}

export function readUrl(env: Env, name: string, fallback?: string): string {
  const value = readString(env, name, fallback)
  try {
    new URL(value)
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${value}"`)
  }
  return value
}

export function readEnum<const T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  fallback: T,
): T {
  const value = raw(env, name) ?? fallback
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${value}"`)
  }
  return value as T
}

export function isProduction(env: Env): boolean {
  return raw(env, 'NODE_ENV') === 'production'
}

/** Refuses a default secret in production; elsewhere returns the value or the development default. */
export function readSecret(env: Env, name: string, developmentDefault: string): string {
  const value = raw(env, name)
  if (value !== undefined) return value
  if (isProduction(env)) throw new ConfigError(`${name} must be set in production`)
  return developmentDefault
}

/** Parses KEY=VALUE lines (comments, blank lines and optional quotes allowed). */
export function parseDotEnv(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)?\s*$/.exec(line)
    if (!match || line.trimStart().startsWith('#')) continue
    let value = (match[2] ?? '').trim()
    const quoted = /^(['"])(.*)\1$/.exec(value)
    if (quoted) value = quoted[2] ?? ''
    else value = value.replace(/\s+#.*$/, '')
    result[match[1] as string] = value
  }
  return result
}

/** Reads a .env file if present; real environment variables win over it. */
export function mergeDotEnv(env: Env, path: string): Record<string, string | undefined> {
  let fromFile: Record<string, string> = {}
  try {
    fromFile = parseDotEnv(readFileSync(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return { ...fromFile, ...env }
}

export const LOCAL_DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
  databaseUrl: (service: string) => `postgres://postgres@127.0.0.1:5432/chatty_${service}`,
  publicUrl: 'http://localhost:8080',
  authJwksUrl: 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json',
} as const

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
export const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]

/** Settings every service reads the same way. */
export interface ServiceBaseConfig {
  service: ServiceManifest
  port: number
  /** Where `GET /metrics` is served (0: a port the system picks, as tests use). */
  metricsPort: number
  host: string
  production: boolean
  logLevel: LogLevel
  databaseUrl: string
  redisUrl: string
  amqpUrl: string
  /** Name prefix of exchanges and queues, so several stacks can share a broker. */
  messagingPrefix: string
  /**
   * Take the client address from X-Real-IP / X-Forwarded-For. Only behind nginx, which sets them:
   * a client reaching the service directly could otherwise pick its own address.
   */
  trustProxy: boolean
  requireVerifiedEmail: boolean
  /** Scales per-IP rate limits (test stacks where every client is one address). */
  rateLimitMultiplier: number
  /** Where auth publishes the keys that verify access tokens; fetched once and cached. */
  authJwksUrl: string
  /** `accessTokenTtlSeconds`: how long an access token lives, so how long a revocation must. */
  jwt: { issuer: string; audience: string; accessTokenTtlSeconds: number }
}

export function loadServiceBaseConfig(env: Env, service: ServiceManifest): ServiceBaseConfig {
  const port = readInt(env, 'PORT', service.port, { min: 0, max: 65535 })
  const metricsPort = readInt(env, 'METRICS_PORT', service.metricsPort, { min: 0, max: 65535 })
  if (metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(
      `METRICS_PORT must differ from PORT (${port}): metrics are not served on the API port`,
    )
  }
  return {
    service,
    port,
    metricsPort,
    host: readString(env, 'HOST', '127.0.0.1'),
    production: isProduction(env),
    logLevel: readEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    databaseUrl: readUrl(
      env,
      service.databaseVariable,
      LOCAL_DEFAULTS.databaseUrl(service.database),
    ),
    redisUrl: readUrl(env, 'REDIS_URL', LOCAL_DEFAULTS.redisUrl),
    amqpUrl: readUrl(env, 'AMQP_URL', LOCAL_DEFAULTS.amqpUrl),
    messagingPrefix: readString(env, 'MESSAGING_PREFIX', ''),
    trustProxy: readBool(env, 'TRUST_PROXY', false),
    requireVerifiedEmail: readBool(env, 'REQUIRE_VERIFIED_EMAIL', true),
    rateLimitMultiplier: readInt(env, 'RATE_LIMIT_MULTIPLIER', 1, { min: 1, max: 1_000_000 }),
    authJwksUrl: readUrl(env, 'AUTH_JWKS_URL', LOCAL_DEFAULTS.authJwksUrl),
    jwt: {
      issuer: readString(env, 'JWT_ISSUER', 'chatty-auth'),
      audience: readString(env, 'JWT_AUDIENCE', 'chatty'),
      accessTokenTtlSeconds: readInt(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, { min: 30, max: 3600 }),
    },
  }
}
