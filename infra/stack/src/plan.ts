import { join } from 'node:path'

import {
  ConfigError,
  type Env,
  LOCAL_DEFAULTS,
  readBool,
  readInt,
  readOptionalString,
  readString,
  readUrl,
} from '@chatty/config'

import type { GatewaySettings } from './nginx.js'
import type { ProcessSpec } from './processes.js'
import { type ServiceDefinition, SERVICES } from './services.js'

export type StackProfile = 'local' | 'e2e'

export interface PlannedService {
  definition: ServiceDefinition
  port: number
  databaseUrl: string
  healthUrl: string
  process: ProcessSpec
}

export interface StackPlan {
  profile: StackProfile
  rootDir: string
  /** Where the runner writes what it renders (nginx config, temp files); git-ignored. */
  stateDir: string
  /** The access log destination is only known once the runner listens for it. */
  gateway: Omit<GatewaySettings, 'accessLog'>
  services: PlannedService[]
  /** The in-process dev mailbox, unless SMTP_URL points at a real one. */
  mailbox: { host: string; smtpPort: number; httpPort: number } | undefined
  redisUrl: string
  amqpUrl: string
  messagingPrefix: string
  /** Drop the databases, flush the Redis database and delete prefixed broker objects first. */
  fresh: boolean
  readyTimeoutMs: number
  stopTimeoutMs: number
}

export const E2E = {
  gatewayPort: 18080,
  servicePortOffset: 10_000,
  mailboxSmtpPort: 11025,
  mailboxHttpPort: 18025,
  databasePrefix: 'chatty_e2e_',
  redisDatabase: 1,
  messagingPrefix: 'e2e.',
  rateLimitMultiplier: 50,
  admin: { username: 'e2e_admin', email: 'e2e-admin@chatty.test', password: 'e2e-admin-password' },
} as const

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}

function withRedisDatabase(url: string, index: number): string {
  const parsed = new URL(url)
  parsed.pathname = `/${index}`
  return parsed.toString()
}

/**
 * Everything the runner will start and with which settings, from the environment alone (pure;
 * tests call it with literals). The e2e profile ignores most of the environment so that a
 * developer's .env never changes what the suite runs against.
 */
export function planStack(
  env: Env,
  options: {
    profile: StackProfile
    rootDir: string
    nodeBinary: string
    services?: readonly ServiceDefinition[]
  },
): StackPlan {
  const { profile, rootDir } = options
  const e2e = profile === 'e2e'
  const definitions = options.services ?? SERVICES
  const host = '127.0.0.1'

  const gatewayPort = e2e
    ? E2E.gatewayPort
    : readInt(env, 'GATEWAY_PORT', 8080, { min: 1, max: 65535 })
  const gateway = {
    host: e2e ? host : readString(env, 'GATEWAY_HOST', host),
    port: gatewayPort,
    // Every e2e request comes from 127.0.0.1, in parallel test files.
    rateLimit: e2e ? 1_000 : readInt(env, 'GATEWAY_RATE_LIMIT', 100, { min: 1 }),
    burst: e2e ? 2_000 : readInt(env, 'GATEWAY_RATE_BURST', 200, { min: 0 }),
    maxBodySize: readString(env, 'GATEWAY_MAX_BODY_SIZE', '1m'),
    docsRoot: join(rootDir, 'nginx', 'docs'),
  }

  const smtpUrl = e2e ? undefined : readOptionalString(env, 'SMTP_URL')
  const mailbox = smtpUrl
    ? undefined
    : {
        host,
        smtpPort: e2e ? E2E.mailboxSmtpPort : readInt(env, 'MAILBOX_SMTP_PORT', 1025, { min: 1 }),
        httpPort: e2e ? E2E.mailboxHttpPort : readInt(env, 'MAILBOX_HTTP_PORT', 8025, { min: 1 }),
      }

  const baseRedisUrl = readUrl(env, 'REDIS_URL', LOCAL_DEFAULTS.redisUrl)
  const redisUrl = e2e ? withRedisDatabase(baseRedisUrl, E2E.redisDatabase) : baseRedisUrl
  const amqpUrl = readUrl(env, 'AMQP_URL', LOCAL_DEFAULTS.amqpUrl)
  const messagingPrefix = e2e ? E2E.messagingPrefix : (env.MESSAGING_PREFIX ?? '')
  const portOf = (definition: ServiceDefinition) =>
    definition.port + (e2e ? E2E.servicePortOffset : 0)
  const auth = definitions.find((definition) => definition.name === 'auth')
  const jwksUrl = auth
    ? `http://${host}:${portOf(auth)}/api/auth/.well-known/jwks.json`
    : 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json'

  const shared: Record<string, string> = {
    HOST: host,
    LOG_LEVEL: readString(env, 'LOG_LEVEL', 'info'),
    REDIS_URL: redisUrl,
    AMQP_URL: amqpUrl,
    MESSAGING_PREFIX: messagingPrefix,
    PUBLIC_URL: e2e
      ? `http://${host}:${gatewayPort}`
      : readUrl(env, 'PUBLIC_URL', `http://localhost:${gatewayPort}`),
    AUTH_JWKS_URL: e2e ? jwksUrl : readUrl(env, 'AUTH_JWKS_URL', jwksUrl),
    REQUIRE_VERIFIED_EMAIL: String(e2e ? true : readBool(env, 'REQUIRE_VERIFIED_EMAIL', true)),
    SMTP_URL: smtpUrl ?? `smtp://${host}:${mailbox?.smtpPort}`,
    MAIL_FROM: readString(env, 'MAIL_FROM', 'Chatty <no-reply@chatty.local>'),
    TRUST_PROXY: 'true',
    RATE_LIMIT_MULTIPLIER: e2e
      ? String(E2E.rateLimitMultiplier)
      : String(readInt(env, 'RATE_LIMIT_MULTIPLIER', 1, { min: 1 })),
    ...(e2e
      ? {
          ADMIN_USERNAME: E2E.admin.username,
          ADMIN_EMAIL: E2E.admin.email,
          ADMIN_PASSWORD: E2E.admin.password,
        }
      : {}),
  }

  const services = definitions.map((definition): PlannedService => {
    const port = portOf(definition)
    const configured = readUrl(
      env,
      definition.databaseVariable,
      LOCAL_DEFAULTS.databaseUrl(definition.database),
    )
    const databaseUrl = e2e
      ? withDatabase(configured, `${E2E.databasePrefix}${definition.database}`)
      : configured
    return {
      definition,
      port,
      databaseUrl,
      healthUrl: `http://${host}:${port}${definition.healthPath}`,
      process: {
        name: definition.name,
        command: options.nodeBinary,
        args: [join(rootDir, 'apps', definition.name, 'dist', 'main.js')],
        cwd: join(rootDir, 'apps', definition.name),
        env: {
          ...env,
          ...shared,
          PORT: String(port),
          [definition.databaseVariable]: databaseUrl,
        },
      },
    }
  })

  return {
    profile,
    rootDir,
    stateDir: join(rootDir, '.stack', profile),
    gateway,
    services,
    mailbox,
    redisUrl,
    amqpUrl,
    messagingPrefix,
    fresh: e2e,
    readyTimeoutMs: readInt(env, 'STACK_READY_TIMEOUT_MS', 60_000, { min: 1_000 }),
    stopTimeoutMs: readInt(env, 'STACK_STOP_TIMEOUT_MS', 10_000, { min: 100 }),
  }
}

/** Runs `plan`; a configuration mistake ends the process with its message instead of a trace. */
export function planOrExplain(plan: () => StackPlan): StackPlan {
  try {
    return plan()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`[stack] ${error.message} (set in the environment or .env)`)
    process.exit(1)
  }
}
