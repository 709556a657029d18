import { ConfigError } from '@chatty/config'
import { describe, expect, it } from 'vitest'

import { planStack } from './plan.js'

const options = { rootDir: '/repo', nodeBinary: '/usr/bin/node' }

describe('planStack, local profile', () => {
  const plan = planStack({ PATH: '/bin' }, { ...options, profile: 'local' })
  const auth = plan.services.find((service) => service.definition.name === 'auth')
  const email = plan.services.find((service) => service.definition.name === 'email-consumer')

  it('uses the documented defaults', () => {
    expect(plan.gateway).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      rateLimit: 100,
      burst: 200,
    })
    expect(plan.gateway.docsRoot).toBe('/repo/nginx/docs')
    expect(plan.mailbox).toEqual({ host: '127.0.0.1', smtpPort: 1025, httpPort: 8025 })
    expect(plan.stateDir).toBe('/repo/.stack/local')
    expect(plan.fresh).toBe(false)
    expect(auth?.port).toBe(3001)
    expect(auth?.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/chatty_auth')
    expect(email?.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/chatty_email')
    expect(email?.healthUrl).toBe('http://127.0.0.1:3005/health')
    expect(email?.metricsUrl).toBe('http://127.0.0.1:9105/metrics')
  })

  it('starts each service from its build with the variables every service reads', () => {
    expect(auth?.process).toMatchObject({
      command: '/usr/bin/node',
      args: ['/repo/apps/auth/dist/main.js'],
      cwd: '/repo/apps/auth',
    })
    expect(auth?.process.env).toMatchObject({
      PATH: '/bin',
      PORT: '3001',
      METRICS_PORT: '9101',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      AUTH_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/chatty_auth',
      REDIS_URL: 'redis://127.0.0.1:6379',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      MESSAGING_PREFIX: '',
      PUBLIC_URL: 'http://localhost:8080',
      AUTH_JWKS_URL: 'http://127.0.0.1:3001/api/auth/.well-known/jwks.json',
      REQUIRE_VERIFIED_EMAIL: 'true',
      SMTP_URL: 'smtp://127.0.0.1:1025',
      MAIL_FROM: 'Chatty <no-reply@chatty.local>',
      TRUST_PROXY: 'true',
      RATE_LIMIT_MULTIPLIER: '1',
    })
    expect(email?.process.env.EMAIL_DATABASE_URL).toBe(
      'postgres://postgres@127.0.0.1:5432/chatty_email',
    )
  })

  it('lets the environment change ports and URLs, and an external SMTP_URL replaces the mailbox', () => {
    const custom = planStack(
      {
        GATEWAY_PORT: '9090',
        SMTP_URL: 'smtp://mail.example:25',
        AUTH_DATABASE_URL: 'postgres://u:p@db:5433/accounts',
        PUBLIC_URL: 'https://chatty.example',
      },
      { ...options, profile: 'local' },
    )
    const customAuth = custom.services.find((service) => service.definition.name === 'auth')
    expect(custom.gateway.port).toBe(9090)
    expect(custom.mailbox).toBeUndefined()
    expect(customAuth?.databaseUrl).toBe('postgres://u:p@db:5433/accounts')
    expect(customAuth?.process.env).toMatchObject({
      SMTP_URL: 'smtp://mail.example:25',
      PUBLIC_URL: 'https://chatty.example',
    })
  })

  it('rejects a malformed value with the variable name', () => {
    expect(() => planStack({ GATEWAY_PORT: 'eighty' }, { ...options, profile: 'local' })).toThrow(
      ConfigError,
    )
  })
})

describe('planStack, e2e profile', () => {
  const developerEnv = {
    GATEWAY_PORT: '9090',
    SMTP_URL: 'smtp://mail.example:25',
    REDIS_URL: 'redis://127.0.0.1:6379/0',
    AUTH_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:5432/chatty_auth',
    MESSAGING_PREFIX: 'mine.',
    RATE_LIMIT_MULTIPLIER: '1',
  }
  const plan = planStack(developerEnv, { ...options, profile: 'e2e' })
  const auth = plan.services.find((service) => service.definition.name === 'auth')

  it('runs on its own ports, databases, Redis database and broker prefix', () => {
    expect(plan.gateway.port).toBe(18080)
    expect(plan.mailbox).toEqual({ host: '127.0.0.1', smtpPort: 11025, httpPort: 18025 })
    expect(plan.services.map((service) => service.port)).toEqual([
      13001, 13002, 13003, 13004, 13006, 13005,
    ])
    expect(auth?.databaseUrl).toBe('postgres://postgres:secret@127.0.0.1:5432/chatty_e2e_auth')
    expect(plan.services.at(-1)?.databaseUrl).toBe(
      'postgres://postgres@127.0.0.1:5432/chatty_e2e_email',
    )
    expect(plan.redisUrl).toBe('redis://127.0.0.1:6379/1')
    expect(plan.messagingPrefix).toBe('e2e.')
    expect(plan.stateDir).toBe('/repo/.stack/e2e')
    expect(plan.fresh).toBe(true)
  })

  it('points the services at each other and at the mailbox, with relaxed rate limits', () => {
    expect(auth?.process.env).toMatchObject({
      PORT: '13001',
      METRICS_PORT: '19101',
      MESSAGING_PREFIX: 'e2e.',
      REDIS_URL: 'redis://127.0.0.1:6379/1',
      SMTP_URL: 'smtp://127.0.0.1:11025',
      PUBLIC_URL: 'http://127.0.0.1:18080',
      AUTH_JWKS_URL: 'http://127.0.0.1:13001/api/auth/.well-known/jwks.json',
      RATE_LIMIT_MULTIPLIER: '50',
      ADMIN_USERNAME: 'e2e_admin',
    })
    expect(plan.gateway.rateLimit).toBeGreaterThan(100)
  })
})

describe('planStack, faults profile', () => {
  const plan = planStack(
    {
      GATEWAY_PORT: '9090',
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      AUTH_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:5432/chatty_auth',
    },
    { ...options, profile: 'faults' },
  )
  const auth = plan.services.find((service) => service.definition.name === 'auth')

  it('runs on its own ports, databases, Redis database and broker prefix', () => {
    expect(plan.gateway.port).toBe(28080)
    expect(plan.mailbox).toEqual({ host: '127.0.0.1', smtpPort: 21025, httpPort: 28025 })
    expect(plan.services.map((service) => service.port)).toEqual([
      23001, 23002, 23003, 23004, 23006, 23005,
    ])
    expect(auth?.databaseUrl).toBe('postgres://postgres:secret@127.0.0.1:5432/chatty_faults_auth')
    expect(plan.redisUrl).toBe('redis://127.0.0.1:6379/3')
    expect(plan.messagingPrefix).toBe('faults.')
    expect(plan.fresh).toBe(true)
  })

  it('connects the services to RabbitMQ and PostgreSQL through proxies the runner holds', () => {
    expect(plan.proxies).toEqual({
      broker: { port: 28672, target: { host: '127.0.0.1', port: 5672 } },
      postgres: { port: 28432, target: { host: '127.0.0.1', port: 5432 } },
    })
    expect(plan.amqpUrl).toBe('amqp://guest:guest@127.0.0.1:5672')
    expect(auth?.process.env).toMatchObject({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:28672',
      AUTH_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:28432/chatty_faults_auth',
      MESSAGING_PREFIX: 'faults.',
      ADMIN_USERNAME: 'faults_admin',
    })
  })
})
