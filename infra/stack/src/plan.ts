import { join, resolve } from 'node:path'

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

export type StackProfile = 'local' | 'e2e' | 'faults' | 'bench'

export interface PlannedService {
  definition: ServiceDefinition
  port: number
  /** Where the service serves `GET /metrics`: its own port, which nginx never routes. */
  metricsPort: number
  metricsUrl: string
  databaseUrl: string
  healthUrl: string
  /** Where start-up waits until the service can serve every request (see `readyPath`). */
  readyUrl: string
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
  /** TCP proxies the runner holds between the services and RabbitMQ / PostgreSQL, to cut them. */
  proxies: { broker: PlannedProxy; postgres: PlannedProxy } | undefined
  /** Drop the databases, flush the Redis database and delete prefixed broker objects first. */
  fresh: boolean
  /** Where nginx writes its access log, when not to the runner (which prints every line). */
  accessLogFile: string | undefined
  readyTimeoutMs: number
  stopTimeoutMs: number
}

export interface PlannedProxy {
  port: number
  target: { host: string; port: number }
}

/** What a test profile changes so that it never meets `npm start`'s stack or another tier's. */
export interface IsolatedProfile {
  gatewayPort: number
  servicePortOffset: number
  mailboxSmtpPort: number
  mailboxHttpPort: number
  databasePrefix: string
  redisDatabase: number
  messagingPrefix: string
  rateLimitMultiplier: number
  admin: { username: string; email: string; password: string }
  /** Where the proxies to RabbitMQ and PostgreSQL listen; the services connect through them. */
  proxyPorts?: { broker: number; postgres: number }
  /** The gateway's per-address rate limit and burst (every request comes from 127.0.0.1). */
  gatewayRateLimit: { rate: number; burst: number }
  /** Settings for every service that differ from the test defaults. */
  serviceEnv?: Record<string, string>
  /** Write nginx's access log to a file in the state directory rather than to the runner. */
  accessLogToFile?: boolean
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
  gatewayRateLimit: { rate: 1_000, burst: 2_000 },
  admin: { username: 'e2e_admin', email: 'e2e-admin@chatty.test', password: 'e2e-admin-password' },
} as const satisfies IsolatedProfile

export const FAULTS = {
  gatewayPort: 28080,
  servicePortOffset: 20_000,
  mailboxSmtpPort: 21025,
  mailboxHttpPort: 28025,
  databasePrefix: 'chatty_faults_',
  redisDatabase: 3,
  messagingPrefix: 'faults.',
  rateLimitMultiplier: 50,
  gatewayRateLimit: { rate: 1_000, burst: 2_000 },
  admin: {
    username: 'faults_admin',
    email: 'faults-admin@chatty.test',
    password: 'faults-admin-password',
  },
  proxyPorts: { broker: 28672, postgres: 28432 },
} as const satisfies IsolatedProfile

/**
 * The benchmark's stack: production-like on the hot path (logs at `warn`, nginx logging to a file,
 * no per-address limits in the way of one load generator), with what seeding ten thousand accounts
 * through the API needs: a low bcrypt cost, writes without a verified email, and a follow limit the
 * probe readers (following up to 5 000 accounts within minutes) stay under. Never for real use.
 * Its ports are below Linux's ephemeral range (32768 and up): a port there can be taken at any
 * moment as the local end of some outgoing connection, and a service would then fail to listen.
 */
export const BENCH = {
  gatewayPort: 25080,
  servicePortOffset: 22_000,
  mailboxSmtpPort: 26025,
  mailboxHttpPort: 25025,
  databasePrefix: 'chatty_bench_',
  redisDatabase: 5,
  messagingPrefix: 'bench.',
  // Per-address limits times a million: registration's 10 an hour per address becomes ten million,
  // so a seed of a million fans (BENCH_STAR_FOLLOWERS) from one generator stays under it.
  rateLimitMultiplier: 1_000_000,
  gatewayRateLimit: { rate: 1_000_000, burst: 1_000_000 },
  admin: {
    username: 'bench_admin',
    email: 'bench-admin@chatty.test',
    password: 'bench-admin-password',
  },
  serviceEnv: {
    LOG_LEVEL: 'warn',
    BCRYPT_COST: '4',
    REQUIRE_VERIFIED_EMAIL: 'false',
    FOLLOWS_PER_HOUR: '1000000',
    // The longest access token the services allow: a seed of many fans (half an hour of
    // registrations) still follows with the token of its accounts phase, rather than logging in
    // again in the follows phase and counting that login as the follow's cost.
    ACCESS_TOKEN_TTL_SECONDS: '3600',
  },
  accessLogToFile: true,
} as const satisfies IsolatedProfile

export type TestProfile = 'e2e' | 'faults'

export const TEST_PROFILES: Record<TestProfile, IsolatedProfile> = {
  e2e: E2E,
  faults: FAULTS,
}

const ISOLATED_PROFILES: Record<Exclude<StackProfile, 'local'>, IsolatedProfile> = {
  ...TEST_PROFILES,
  bench: BENCH,
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}

function target(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port) || defaultPort }
}

function through(url: string, proxy: PlannedProxy | undefined): string {
  if (!proxy) return url
  const parsed = new URL(url)
  parsed.hostname = '127.0.0.1'
  parsed.port = String(proxy.port)
  return parsed.toString()
}

function withRedisDatabase(url: string, index: number): string {
  const parsed = new URL(url)
  parsed.pathname = `/${index}`
  return parsed.toString()
}

/**
 * Everything the runner will start and with which settings, from the environment alone (pure;
 * tests call it with literals). The test profiles (e2e, faults) ignore most of the environment so
 * that a developer's .env never changes what a suite runs against.
 */
export function planStack(
  env: Env,
  options: {
    profile: StackProfile
    rootDir: string
    nodeBinary: string
    services?: readonly ServiceDefinition[]
    /** Start from empty databases, Redis database and broker objects; isolated profiles do by default. */
    fresh?: boolean
  },
): StackPlan {
  const { profile, rootDir } = options
  const isolated = profile === 'local' ? undefined : ISOLATED_PROFILES[profile]
  const definitions = options.services ?? SERVICES
  const host = '127.0.0.1'

  const gatewayPort = isolated
    ? isolated.gatewayPort
    : readInt(env, 'GATEWAY_PORT', 8080, { min: 1, max: 65535 })
  // Uploads: each test profile keeps its own beside its state, so a suite never sees local files.
  const mediaDir = isolated
    ? join(rootDir, '.stack', profile, 'media')
    : resolve(rootDir, readString(env, 'MEDIA_DIR', join('.stack', 'media')))
  const gateway = {
    host: isolated ? host : readString(env, 'GATEWAY_HOST', host),
    port: gatewayPort,
    // Every test request comes from 127.0.0.1, in parallel test files.
    rateLimit: isolated
      ? isolated.gatewayRateLimit.rate
      : readInt(env, 'GATEWAY_RATE_LIMIT', 100, { min: 1 }),
    burst: isolated
      ? isolated.gatewayRateLimit.burst
      : readInt(env, 'GATEWAY_RATE_BURST', 200, { min: 0 }),
    maxBodySize: readString(env, 'GATEWAY_MAX_BODY_SIZE', '1m'),
    docsRoot: join(rootDir, 'nginx', 'docs'),
    mediaRoot: mediaDir,
    webRoot: join(rootDir, 'apps', 'web', 'dist'),
  }

  const smtpUrl = isolated ? undefined : readOptionalString(env, 'SMTP_URL')
  const mailbox = smtpUrl
    ? undefined
    : {
        host,
        smtpPort: isolated?.mailboxSmtpPort ?? readInt(env, 'MAILBOX_SMTP_PORT', 1025, { min: 1 }),
        httpPort: isolated?.mailboxHttpPort ?? readInt(env, 'MAILBOX_HTTP_PORT', 8025, { min: 1 }),
      }

  const baseRedisUrl = readUrl(env, 'REDIS_URL', LOCAL_DEFAULTS.redisUrl)
  const redisUrl = isolated ? withRedisDatabase(baseRedisUrl, isolated.redisDatabase) : baseRedisUrl
  const amqpUrl = readUrl(env, 'AMQP_URL', LOCAL_DEFAULTS.amqpUrl)
  const messagingPrefix = isolated ? isolated.messagingPrefix : (env.MESSAGING_PREFIX ?? '')
  const portOf = (definition: ServiceDefinition) =>
    definition.port + (isolated?.servicePortOffset ?? 0)
  const metricsPortOf = (definition: ServiceDefinition) =>
    definition.metricsPort + (isolated?.servicePortOffset ?? 0)
  const configuredDatabaseUrl = (definition: ServiceDefinition) =>
    readUrl(env, definition.databaseVariable, LOCAL_DEFAULTS.databaseUrl(definition.database))
  // One PostgreSQL proxy, to the first service's server: where every database lives in tests.
  const [first] = definitions
  const postgresUrl = first ? configuredDatabaseUrl(first) : LOCAL_DEFAULTS.databaseUrl('postgres')
  const proxies = isolated?.proxyPorts && {
    broker: { port: isolated.proxyPorts.broker, target: target(amqpUrl, 5672) },
    postgres: { port: isolated.proxyPorts.postgres, target: target(postgresUrl, 5432) },
  }
  const auth = definitions.find((definition) => definition.name === 'auth')
  const jwksUrl = auth
    ? `http://${host}:${portOf(auth)}/api/auth/.well-known/jwks.json`
    : 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json'

  const shared: Record<string, string> = {
    HOST: host,
    LOG_LEVEL: readString(env, 'LOG_LEVEL', 'info'),
    REDIS_URL: redisUrl,
    AMQP_URL: through(amqpUrl, proxies?.broker),
    MESSAGING_PREFIX: messagingPrefix,
    PUBLIC_URL: isolated
      ? `http://${host}:${gatewayPort}`
      : readUrl(env, 'PUBLIC_URL', `http://localhost:${gatewayPort}`),
    AUTH_JWKS_URL: isolated ? jwksUrl : readUrl(env, 'AUTH_JWKS_URL', jwksUrl),
    REQUIRE_VERIFIED_EMAIL: String(isolated ? true : readBool(env, 'REQUIRE_VERIFIED_EMAIL', true)),
    SMTP_URL: smtpUrl ?? `smtp://${host}:${mailbox?.smtpPort}`,
    MAIL_FROM: readString(env, 'MAIL_FROM', 'Chatty <no-reply@chatty.local>'),
    TRUST_PROXY: 'true',
    MEDIA_DIR: mediaDir,
    RATE_LIMIT_MULTIPLIER: isolated
      ? String(isolated.rateLimitMultiplier)
      : String(readInt(env, 'RATE_LIMIT_MULTIPLIER', 1, { min: 1 })),
    ...(isolated
      ? {
          ADMIN_USERNAME: isolated.admin.username,
          ADMIN_EMAIL: isolated.admin.email,
          ADMIN_PASSWORD: isolated.admin.password,
          ...isolated.serviceEnv,
        }
      : {}),
  }

  const services = definitions.map((definition): PlannedService => {
    const port = portOf(definition)
    const metricsPort = metricsPortOf(definition)
    const configured = configuredDatabaseUrl(definition)
    const databaseUrl = isolated
      ? withDatabase(configured, `${isolated.databasePrefix}${definition.database}`)
      : configured
    return {
      definition,
      port,
      metricsPort,
      metricsUrl: `http://${host}:${metricsPort}/metrics`,
      databaseUrl,
      healthUrl: `http://${host}:${port}${definition.healthPath}`,
      readyUrl: `http://${host}:${port}${definition.readyPath}`,
      process: {
        name: definition.name,
        command: options.nodeBinary,
        args: [join(rootDir, 'apps', definition.name, 'dist', 'main.js')],
        cwd: join(rootDir, 'apps', definition.name),
        env: {
          ...env,
          ...shared,
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          [definition.databaseVariable]: through(databaseUrl, proxies?.postgres),
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
    proxies,
    fresh: options.fresh ?? isolated !== undefined,
    // Inside nginx's own directory, which every start empties, so it never grows across runs.
    accessLogFile: isolated?.accessLogToFile
      ? join(rootDir, '.stack', profile, 'nginx', 'access.log')
      : undefined,
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
