import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { withClient } from '@chatty/db'
import { eventually, freePort } from '@chatty/testing'
import { afterAll, describe, expect, it } from 'vitest'

import type { LogOutput } from './log-output.js'
import { repositoryRoot } from './paths.js'
import { planStack, type StackPlan } from './plan.js'
import { isPortFree } from './preflight.js'
import type { ServiceDefinition } from './services.js'
import { StackError, startStack } from './stack.js'

const root = repositoryRoot()
const DATABASE = 'stack_int_auth'
const scripts = mkdtempSync(join(tmpdir(), 'chatty-stack-int-'))
let scriptCount = 0

/** A small real HTTP service: it answers health and readiness, and echoes the settings the runner gave it. */
const ECHO_SERVICE = `
const http = require('node:http')
const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json')
  if (request.url === '/api/auth/health' || request.url === '/api/auth/ready') {
    return response.end('{"status":"ok","service":"auth"}')
  }
  const names = ['PORT', 'HOST', 'TRUST_PROXY', 'SMTP_URL', 'AUTH_DATABASE_URL', 'MESSAGING_PREFIX', 'RATE_LIMIT_MULTIPLIER']
  response.end(JSON.stringify({
    env: Object.fromEntries(names.map((name) => [name, process.env[name]])),
    forwardedFor: request.headers['x-forwarded-for'],
  }))
})
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on ' + process.env.PORT))
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
`

/** A service that is up (health answers) but never ready: a dependency of it stays down. */
const HEALTHY_NOT_READY_SERVICE = `
const http = require('node:http')
const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json')
  if (request.url === '/api/auth/ready') {
    response.statusCode = 503
    return response.end('{"status":"down","dependencies":{"revocations":"down"}}')
  }
  response.end('{"status":"degraded","service":"auth"}')
})
server.listen(Number(process.env.PORT), process.env.HOST)
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
`

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

function collector(): LogOutput & { lines: string[] } {
  const lines: string[] = []
  return { lines, line: (source, text) => lines.push(`${source}: ${text}`) }
}

/** A local-profile plan on free ports whose one service runs `script` in place of apps/auth. */
async function testPlan(
  script: string | undefined,
  env: Record<string, string> = {},
): Promise<StackPlan> {
  const definition: ServiceDefinition = {
    name: 'auth',
    port: await freePort(),
    metricsPort: await freePort(),
    prefixes: ['/api/auth', '/api/users'],
    healthPath: '/api/auth/health',
    readyPath: '/api/auth/ready',
    database: DATABASE,
    databaseVariable: 'AUTH_DATABASE_URL',
    queue: 'auth.events',
  }
  const plan = planStack(
    {
      PATH: process.env.PATH,
      GATEWAY_PORT: String(await freePort()),
      MAILBOX_SMTP_PORT: String(await freePort()),
      MAILBOX_HTTP_PORT: String(await freePort()),
      STACK_READY_TIMEOUT_MS: '15000',
      STACK_STOP_TIMEOUT_MS: '3000',
      ...env,
    },
    {
      profile: 'local',
      rootDir: root,
      nodeBinary: process.execPath,
      services: script === undefined ? [] : [definition],
    },
  )
  // The runner starts the file in place of apps/auth/dist/main.js, with everything else as planned.
  const run = ++scriptCount
  const entry = join(scripts, `service-${run}.cjs`)
  writeFileSync(entry, script ?? '')
  return {
    ...plan,
    stateDir: join(scripts, `state-${run}`),
    services: plan.services.map((service) => ({
      ...service,
      process: { ...service.process, args: [entry] },
    })),
  }
}

/** Processes whose command line mentions `text` (nginx's master names its prefix directory). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)
      } catch {
        return false
      }
    })
    .map(Number)
}

/** Nothing of the stack runs: no nginx, no service process, nobody on its ports. */
async function expectStopped(plan: StackPlan): Promise<void> {
  const markers = [plan.stateDir, ...plan.services.map((service) => service.process.args[0] ?? '')]
  for (const marker of markers) {
    await eventually(() => expect(processesMentioning(marker).filter(isAlive), marker).toEqual([]))
  }
  expect(await isPortFree(plan.gateway.port, plan.gateway.host)).toBe(true)
  for (const service of plan.services)
    expect(await isPortFree(service.port, '127.0.0.1')).toBe(true)
}

describe('startStack', () => {
  afterAll(async () => {
    rmSync(scripts, { recursive: true, force: true })
    await withClient('postgres://postgres@127.0.0.1:5432/postgres', (client) =>
      client.query(`drop database if exists chatty_${DATABASE} with (force)`),
    )
  })

  it('runs a service behind nginx with the mailbox, then stops every process', async () => {
    const plan = await testPlan(ECHO_SERVICE)
    const output = collector()
    const stack = await startStack(plan, { output, env: process.env })
    try {
      const response = await fetch(`${stack.gatewayUrl}/api/auth/settings`, {
        headers: { 'x-forwarded-for': '198.51.100.7' },
      })
      expect(response.status).toBe(200)
      const { env, forwardedFor } = (await response.json()) as {
        env: Record<string, string>
        forwardedFor: string
      }
      const service = plan.services[0]
      expect(env).toEqual({
        PORT: String(service?.port),
        HOST: '127.0.0.1',
        TRUST_PROXY: 'true',
        SMTP_URL: `smtp://127.0.0.1:${plan.mailbox?.smtpPort}`,
        AUTH_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/chatty_${DATABASE}`,
        MESSAGING_PREFIX: '',
        RATE_LIMIT_MULTIPLIER: '1',
      })
      expect(forwardedFor).toBe('127.0.0.1')

      const created = await withClient('postgres://postgres@127.0.0.1:5432/postgres', (client) =>
        client.query('select 1 from pg_database where datname = $1', [`chatty_${DATABASE}`]),
      )
      expect(created.rowCount).toBe(1)

      expect((await fetch(`${stack.mailboxUrl}/readyz`)).status).toBe(200)
      expect((await fetch(`${stack.gatewayUrl}/api/nope`)).status).toBe(404)
      await eventually(() =>
        expect(
          output.lines.some((line) =>
            /^nginx: 127\.0\.0\.1 "GET \/api\/nope HTTP\/1\.1" 404/.test(line),
          ),
        ).toBe(true),
      )
      expect(output.lines).toContain(`auth: listening on ${service?.port}`)
      expect(processesMentioning(plan.stateDir).filter(isAlive)).toHaveLength(1)
    } finally {
      await stack.stop()
    }
    await expectStopped(plan)
    expect(await isPortFree(plan.mailbox?.httpPort as number, '127.0.0.1')).toBe(true)
  })

  it('stops everything and says which process died when one exits during start-up', async () => {
    const plan = await testPlan("console.error('cannot start: no config'); process.exit(3)")
    const output = collector()
    await expect(startStack(plan, { output, env: process.env })).rejects.toThrow(
      new StackError('auth exited with code 3 during start-up'),
    )
    expect(output.lines).toContain('auth: cannot start: no config')
    await expectStopped(plan)
  })

  it('gives up when a service never becomes ready', async () => {
    const plan = await testPlan('setInterval(() => {}, 1000)', { STACK_READY_TIMEOUT_MS: '1500' })
    await expect(startStack(plan, { output: collector(), env: process.env })).rejects.toThrow(
      /^Not ready within 1500 ms: auth \(http:\/\/127\.0\.0\.1:\d+\/api\/auth\/ready, last answer: no answer\)$/,
    )
    await expectStopped(plan)
  })

  it('waits for readiness, not health, and says which dependency held a service back', async () => {
    const plan = await testPlan(HEALTHY_NOT_READY_SERVICE, { STACK_READY_TIMEOUT_MS: '1500' })
    await expect(startStack(plan, { output: collector(), env: process.env })).rejects.toThrow(
      /auth \(http:\/\/127\.0\.0\.1:\d+\/api\/auth\/ready, last answer: 503 \{"status":"down","dependencies":\{"revocations":"down"\}\}\)$/,
    )
    await expectStopped(plan)
  })

  it('stops what it started when interrupted during start-up', async () => {
    const plan = await testPlan('setInterval(() => {}, 1000)')
    const interrupt = new AbortController()
    const starting = startStack(plan, {
      output: collector(),
      env: process.env,
      signal: interrupt.signal,
    })
    setTimeout(() => interrupt.abort(), 800)
    await expect(starting).rejects.toThrow(/interrupted/)
    await expectStopped(plan)
  })

  it('says exactly what is missing before starting anything', async () => {
    const plan = await testPlan(undefined)
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(plan.gateway.port, '127.0.0.1', resolve))
    const missingEntry = {
      ...(await testPlan(ECHO_SERVICE)).services[0],
    } as StackPlan['services'][number]
    try {
      const error = await startStack(
        {
          ...plan,
          services: [
            { ...missingEntry, process: { ...missingEntry.process, args: ['/nowhere/main.js'] } },
          ],
        },
        { output: collector(), env: { ...process.env, NGINX_BIN: '/nonexistent/nginx' } },
      ).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StackError)
      const message = (error as Error).message
      expect(message).toContain('nginx not found')
      expect(message).toContain('apt-get install -y nginx')
      expect(message).toContain('/nowhere/main.js does not exist')
      expect(message).toContain('npm run build')
      expect(message).toContain(
        `port ${plan.gateway.port} for the gateway (nginx) is already in use`,
      )
    } finally {
      busy.close()
    }
  })

  it('names an unreachable dependency and how to start it', async () => {
    const closedPort = await freePort()
    const plan = await testPlan(ECHO_SERVICE, {
      REDIS_URL: `redis://127.0.0.1:${closedPort}`,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${closedPort}`,
    })
    const error = await startStack(plan, { output: collector(), env: process.env }).catch(
      (caught: unknown) => caught,
    )
    expect((error as Error).message).toContain(
      `Redis is not reachable at redis://127.0.0.1:${closedPort} (ECONNREFUSED)`,
    )
    expect((error as Error).message).toContain('RabbitMQ is not reachable')
    expect((error as Error).message).toContain('rabbitmq-server -detached')
    expect((error as Error).message).not.toContain('PostgreSQL')
  })
})
