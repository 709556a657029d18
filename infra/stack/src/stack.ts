import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'

import type { Env } from '@chatty/config'
import { createTcpProxy, type TcpProxy } from '@chatty/testing'

import { type AccessLogReceiver, startAccessLogReceiver } from './access-log.js'
import type { LogOutput } from './log-output.js'
import { type Mailbox, startMailbox } from './mailbox.js'
import {
  findNginx,
  localTemplateValues,
  NGINX_INSTALL_HINT,
  renderMainConfig,
  renderTemplate,
  TEMPLATE_PATH,
} from './nginx.js'
import type { StackPlan } from './plan.js'
import { checkInfrastructure, formatMissing, isPortFree, type Missing } from './preflight.js'
import {
  createProcessGroup,
  describeExit,
  type ProcessExit,
  type ProcessSpec,
} from './processes.js'
import { SERVICES } from './services.js'
import { deleteBrokerObjects, flushRedisDatabase, prepareDatabases } from './state.js'

/** The stack could not start; the message says what to do about it. */
export class StackError extends Error {
  override name = 'StackError'
}

export interface RunningStack {
  plan: StackPlan
  gatewayUrl: string
  mailboxUrl: string | undefined
  /** Settles when a process dies while the stack runs (not when `killService` kills it). */
  crashed: Promise<ProcessExit>
  /** The proxies between the services and RabbitMQ / PostgreSQL, when the plan has them. */
  proxies: { broker: TcpProxy; postgres: TcpProxy } | undefined
  /** Sends `signal` to one service and waits until it has exited. */
  killService(name: string, signal: NodeJS.Signals): Promise<ProcessExit>
  /** Starts a service the plan holds (again) and waits until it answers its health check. */
  startService(name: string): Promise<void>
  /**
   * Waits until every service reports every dependency ok, so a fault is over for all of them:
   * after a broker outage, say, each reconnects on its own backoff, seconds apart.
   */
  untilSettled(): Promise<void>
  /** Stops every process (SIGTERM, then SIGKILL after the plan's timeout) and the mailbox. */
  stop(): Promise<void>
}

export interface StartOptions {
  output: LogOutput
  /** For NGINX_BIN and PATH when looking for nginx. */
  env: Env
  /** Aborting it (Ctrl-C) during start-up stops what was started and rejects. */
  signal?: AbortSignal
}

const execFileAsync = promisify(execFile)

async function nginxSupportsErrorLogFlag(binary: string): Promise<boolean> {
  // `nginx -v` prints to stderr: "nginx version: nginx/1.22.1". -e appeared in 1.19.5.
  const { stderr } = await execFileAsync(binary, ['-v'])
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(stderr)
  if (!match) return false
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number]
  return major > 1 || (major === 1 && (minor > 19 || (minor === 19 && patch >= 5)))
}

function localUrl(host: string, port: number): string {
  return `http://${host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host}:${port}`
}

async function findMissing(plan: StackPlan, nginx: string | undefined): Promise<Missing[]> {
  const missing: Missing[] = []
  if (!nginx) missing.push({ what: 'nginx not found', fix: NGINX_INSTALL_HINT })
  for (const { process } of plan.services) {
    const entry = process.args[0] as string
    if (!existsSync(entry)) {
      missing.push({
        what: `${relative(plan.rootDir, entry)} does not exist`,
        fix: 'build the services first: npm run build (npm start does it for you)',
      })
    }
  }
  const ports = [
    { port: plan.gateway.port, host: plan.gateway.host, owner: 'the gateway (nginx)' },
    ...plan.services.flatMap(({ port, metricsPort, definition }) => [
      { port, host: '127.0.0.1', owner: definition.name },
      { port: metricsPort, host: '127.0.0.1', owner: `the metrics of ${definition.name}` },
    ]),
    ...(plan.mailbox
      ? [
          { port: plan.mailbox.smtpPort, host: plan.mailbox.host, owner: 'the mailbox (SMTP)' },
          { port: plan.mailbox.httpPort, host: plan.mailbox.host, owner: 'the mailbox (HTTP)' },
        ]
      : []),
    ...Object.entries(plan.proxies ?? {}).map(([name, proxy]) => ({
      port: proxy.port,
      host: '127.0.0.1',
      owner: `the ${name} proxy`,
    })),
  ]
  for (const { port, host, owner } of ports) {
    if (!(await isPortFree(port, host))) {
      missing.push({
        what: `port ${port} for ${owner} is already in use`,
        fix: 'stop whatever listens there (another stack still running?) or choose other ports in .env',
      })
    }
  }
  if (plan.services.length > 0) {
    missing.push(
      ...(await checkInfrastructure({
        postgres: plan.services.map((service) => service.databaseUrl),
        redis: plan.redisUrl,
        amqp: plan.amqpUrl,
      })),
    )
  }
  return missing
}

function writeNginxConfig(
  plan: StackPlan,
  accessLog: string,
): { prefix: string; mainConfig: string } {
  const prefix = join(plan.stateDir, 'nginx')
  rmSync(prefix, { recursive: true, force: true })
  mkdirSync(prefix, { recursive: true })
  // nginx serves it from the start; posts writes into it.
  mkdirSync(plan.gateway.mediaRoot, { recursive: true })
  const serverConfig = join(prefix, 'chatty.conf')
  // Every registered service gets its upstream, started or not: a missing one answers 502.
  const upstreams = SERVICES.map((service) => ({
    service,
    port:
      plan.services.find((planned) => planned.definition.name === service.name)?.port ??
      service.port,
  }))
  const template = readFileSync(join(plan.rootDir, TEMPLATE_PATH), 'utf8')
  writeFileSync(
    serverConfig,
    renderTemplate(template, localTemplateValues({ ...plan.gateway, accessLog }, upstreams)),
  )
  const mainConfig = join(prefix, 'nginx.conf')
  writeFileSync(
    mainConfig,
    renderMainConfig({
      prefix,
      serverConfigPath: serverConfig,
      runningAsRoot: process.getuid?.() === 0,
    }),
  )
  return { prefix, mainConfig }
}

/**
 * Polls `url` until it answers 2xx. `heard` is told each other answer (its status and the start
 * of its body, which for a readiness path names the dependency that is down), so a start-up that
 * times out can say why.
 */
async function waitUntilHealthy(
  name: string,
  url: string,
  signal: AbortSignal,
  heard: (answer: string) => void = () => undefined,
  accepts: (status: number, body: string) => boolean = (status) => status >= 200 && status < 300,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) })
      const body = await response.text()
      if (accepts(response.status, body)) return
      heard(`${response.status} ${body.slice(0, 200)}`)
    } catch {
      heard('no answer')
    }
    await sleep(200, undefined, { signal }).catch(() => undefined)
  }
  throw new Error(`${name} is not healthy at ${url}`)
}

/** A health answer in which every dependency, the broker connection included, is ok. */
function reportsEveryDependencyOk(status: number, body: string): boolean {
  if (status !== 200) return false
  try {
    return (JSON.parse(body) as { status?: unknown }).status === 'ok'
  } catch {
    return false
  }
}

/**
 * Starts the whole stack the plan describes and resolves once every service says it is ready and
 * nginx answers. On any failure it stops what it started and throws a StackError. A service
 * started again later (`startService`, in the fault tests, where a dependency may be held down on
 * purpose) is waited for until it is up, not ready.
 */
export async function startStack(plan: StackPlan, options: StartOptions): Promise<RunningStack> {
  const { output } = options
  const log = (text: string) => output.line('stack', text)
  const nginx = findNginx(options.env)

  const missing = await findMissing(plan, nginx)
  if (missing.length > 0) throw new StackError(formatMissing(missing))

  const group = createProcessGroup(output)
  let mailbox: Mailbox | undefined
  let accessLog: AccessLogReceiver | undefined
  let proxies: RunningStack['proxies']
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all([group.stop(plan.stopTimeoutMs), mailbox?.close()])
      await Promise.all([accessLog?.close(), proxies?.broker.close(), proxies?.postgres.close()])
    })()
    return stopping
  }

  const firstExit = new Promise<ProcessExit>((resolve) => group.onUnexpectedExit(resolve))
  const ready = new AbortController()
  const interrupted = new Promise<{ kind: 'interrupted' }>((resolve) => {
    if (options.signal?.aborted) resolve({ kind: 'interrupted' })
    options.signal?.addEventListener('abort', () => resolve({ kind: 'interrupted' }), {
      once: true,
    })
  })
  const throwIfInterrupted = () => {
    if (options.signal?.aborted) throw new StackError('Start-up interrupted')
  }
  try {
    if (plan.services.length > 0) {
      log(plan.fresh ? 'recreating the databases' : 'creating missing databases')
      await prepareDatabases(
        plan.services.map((service) => service.databaseUrl),
        plan.fresh,
      )
    }
    if (plan.fresh) {
      await flushRedisDatabase(plan.redisUrl)
      await deleteBrokerObjects(plan.amqpUrl, plan.messagingPrefix)
    }
    throwIfInterrupted()
    if (plan.proxies) {
      const broker = await createTcpProxy(plan.proxies.broker.target, plan.proxies.broker.port)
      const postgres = await createTcpProxy(
        plan.proxies.postgres.target,
        plan.proxies.postgres.port,
      ).catch(async (error: unknown) => {
        await broker.close()
        throw error
      })
      proxies = { broker, postgres }
    }
    if (plan.mailbox) {
      mailbox = await startMailbox({
        ...plan.mailbox,
        log: (line) => output.line('mailbox', line),
      })
    }

    let accessLogDestination = plan.accessLogFile
    if (!accessLogDestination) {
      accessLog = await startAccessLogReceiver((line) => output.line('nginx', line))
      accessLogDestination = accessLog.destination
    }
    const { prefix, mainConfig } = writeNginxConfig(plan, accessLogDestination)
    const nginxBinary = nginx as string
    const errorLogFlag = (await nginxSupportsErrorLogFlag(nginxBinary)) ? ['-e', 'stderr'] : []
    const nginxSpec: ProcessSpec = {
      name: 'nginx',
      command: nginxBinary,
      args: ['-p', prefix, '-c', mainConfig, ...errorLogFlag],
      env: { PATH: options.env.PATH },
      cwd: prefix,
    }
    throwIfInterrupted()
    for (const service of plan.services) group.start(service.process)
    group.start(nginxSpec)

    const gatewayHost = plan.gateway.host === '0.0.0.0' ? '127.0.0.1' : plan.gateway.host
    const targets = [
      // Ready, not only up: a stack whose token checks still answer 503 is not ready for anyone.
      ...plan.services.map((service) => ({
        name: service.definition.name,
        url: service.readyUrl,
      })),
      { name: 'nginx', url: `http://${gatewayHost}:${plan.gateway.port}/api/docs` },
    ]
    const unhealthy = new Set(targets.map((target) => target.name))
    const lastAnswers = new Map<string, string>()
    const checks = targets.map(({ name, url }) =>
      waitUntilHealthy(name, url, ready.signal, (answer) => lastAnswers.set(name, answer)).then(
        () => unhealthy.delete(name),
      ),
    )
    const outcome = await Promise.race([
      Promise.all(checks).then(() => ({ kind: 'ready' as const })),
      firstExit.then((exit) => ({ kind: 'exited' as const, exit })),
      interrupted,
      sleep(plan.readyTimeoutMs, undefined, { signal: ready.signal })
        .then(() => ({ kind: 'timeout' as const }))
        .catch(() => ({ kind: 'timeout' as const })),
    ])
    ready.abort()
    await Promise.allSettled(checks)
    if (outcome.kind === 'exited') {
      throw new StackError(`${outcome.exit.name} ${describeExit(outcome.exit)} during start-up`)
    }
    if (outcome.kind === 'interrupted') throw new StackError('Start-up interrupted')
    if (outcome.kind === 'timeout') {
      const pending = targets.filter((target) => unhealthy.has(target.name))
      throw new StackError(
        `Not ready within ${plan.readyTimeoutMs} ms: ${pending
          .map(
            (target) =>
              `${target.name} (${target.url}, last answer: ${lastAnswers.get(target.name) ?? 'none'})`,
          )
          .join(', ')}`,
      )
    }
  } catch (error) {
    ready.abort()
    await stop()
    throw error
  }

  const plannedService = (name: string) => {
    const service = plan.services.find((planned) => planned.definition.name === name)
    if (!service) throw new StackError(`${name} is not a service of this stack`)
    return service
  }
  return {
    plan,
    gatewayUrl: localUrl(plan.gateway.host, plan.gateway.port),
    mailboxUrl: plan.mailbox ? localUrl(plan.mailbox.host, plan.mailbox.httpPort) : undefined,
    crashed: firstExit,
    proxies,
    killService: (name, signal) => group.kill(plannedService(name).definition.name, signal),
    async startService(name) {
      const service = plannedService(name)
      if (group.list().some((running) => running.name === name && running.isRunning())) {
        throw new StackError(`${name} is already running`)
      }
      group.start(service.process)
      await waitUntilHealthy(name, service.healthUrl, AbortSignal.timeout(plan.readyTimeoutMs))
    },
    async untilSettled() {
      const deadline = AbortSignal.timeout(plan.readyTimeoutMs)
      const lastAnswers = new Map<string, string>()
      await Promise.all(
        plan.services.map(({ definition, healthUrl }) =>
          waitUntilHealthy(
            definition.name,
            healthUrl,
            deadline,
            (answer) => lastAnswers.set(definition.name, answer),
            reportsEveryDependencyOk,
          ).then(() => lastAnswers.delete(definition.name)),
        ),
      ).catch(() => {
        const unsettled = [...lastAnswers].map(([name, answer]) => `${name} (${answer})`)
        throw new StackError(
          `Not settled within ${plan.readyTimeoutMs} ms: ${unsettled.join(', ')}`,
        )
      })
    },
    stop,
  }
}

/** What runs where, for people. */
export function describeStack(stack: RunningStack): string[] {
  const { plan } = stack
  const amqp = new URL(plan.amqpUrl)
  const rows: [string, string][] = [
    ['gateway', stack.gatewayUrl],
    ['web client', `${stack.gatewayUrl}/`],
    ['API docs', `${stack.gatewayUrl}/api/docs`],
    [
      'mailbox',
      stack.mailboxUrl
        ? `${stack.mailboxUrl} (SMTP 127.0.0.1:${plan.mailbox?.smtpPort})`
        : `external: ${plan.services[0]?.process.env.SMTP_URL ?? 'SMTP_URL'}`,
    ],
    [
      'RabbitMQ',
      `amqp://${amqp.host} (management UI, when enabled: http://${amqp.hostname}:15672)`,
    ],
    ...plan.services.map((service): [string, string] => [
      service.definition.name,
      `${service.healthUrl}  metrics ${service.metricsUrl}`,
    ]),
  ]
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)
}
