import { connect, createServer } from 'node:net'

/** Something the stack needs that is not there, and how to get it. */
export interface Missing {
  what: string
  fix: string
}

interface Endpoint {
  host: string
  port: number
}

export function endpointOf(url: string, defaultPort: number): Endpoint {
  const parsed = new URL(url)
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : defaultPort,
  }
}

/**
 * Connects, sends the protocol's opening bytes and checks the first answer: proof that the right
 * server listens there, not just something. Resolves to an error message, or undefined when fine.
 */
export function probe(
  endpoint: Endpoint,
  hello: Buffer,
  recognise: (answer: Buffer) => boolean,
  timeoutMs = 2_000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(endpoint)
    const finish = (problem: string | undefined) => {
      socket.destroy()
      resolve(problem)
    }
    socket.setTimeout(timeoutMs, () => finish(`no answer within ${timeoutMs} ms`))
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message))
    socket.once('connect', () => socket.write(hello))
    socket.once('data', (answer) =>
      finish(recognise(answer) ? undefined : 'something else answers on that port'),
    )
    socket.once('end', () => finish('the server closed the connection'))
  })
}

// SSLRequest: the one message every PostgreSQL answers with a single byte before any login.
const POSTGRES_HELLO = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
const AMQP_HELLO = Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')

export function probePostgres(url: string): Promise<string | undefined> {
  return probe(endpointOf(url, 5432), POSTGRES_HELLO, (answer) =>
    ['S', 'N'].includes(String.fromCharCode(answer[0] ?? 0)),
  )
}

export function probeRedis(url: string): Promise<string | undefined> {
  // +PONG, or -NOAUTH when a password is needed: either way it is Redis.
  return probe(endpointOf(url, 6379), Buffer.from('PING\r\n'), (answer) =>
    ['+', '-'].includes(String.fromCharCode(answer[0] ?? 0)),
  )
}

export function probeRabbitMq(url: string): Promise<string | undefined> {
  // The broker answers the protocol header with a Connection.Start method frame (type 1).
  return probe(endpointOf(url, 5672), AMQP_HELLO, (answer) => answer[0] === 1)
}

/** Resolves to true when nothing listens on host:port yet. */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

function redact(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

export async function checkInfrastructure(urls: {
  postgres: readonly string[]
  redis?: string
  amqp?: string
}): Promise<Missing[]> {
  const missing: Missing[] = []
  for (const url of new Set(urls.postgres.map((u) => new URL(u).host))) {
    const sample = urls.postgres.find((u) => new URL(u).host === url) as string
    const problem = await probePostgres(sample)
    if (problem) {
      missing.push({
        what: `PostgreSQL is not reachable at ${url} (${problem})`,
        fix: 'start it (Debian: pg_ctlcluster <version> main start; install: apt-get install -y postgresql) or point the *_DATABASE_URL variables at one',
      })
    }
  }
  if (urls.redis) {
    const problem = await probeRedis(urls.redis)
    if (problem) {
      missing.push({
        what: `Redis is not reachable at ${redact(urls.redis)} (${problem})`,
        fix: 'start it (redis-server --daemonize yes; install: apt-get install -y redis-server) or set REDIS_URL',
      })
    }
  }
  if (urls.amqp) {
    const problem = await probeRabbitMq(urls.amqp)
    if (problem) {
      missing.push({
        what: `RabbitMQ is not reachable at ${redact(urls.amqp)} (${problem})`,
        fix: 'start it (rabbitmq-server -detached; install: apt-get install -y rabbitmq-server) or set AMQP_URL',
      })
    }
  }
  return missing
}

export function formatMissing(missing: readonly Missing[]): string {
  return [
    'The stack cannot start:',
    ...missing.map((item) => `  - ${item.what}\n    fix: ${item.fix}`),
  ].join('\n')
}
