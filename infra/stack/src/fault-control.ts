import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

import type { RunningStack } from './stack.js'
import { flushRedisDatabase } from './state.js'
import type { TierAttachment } from './test-tier.js'

/**
 * The faults a test may inject, by HTTP, since vitest runs tests in other processes than the one
 * holding the stack: `POST /broker/cut`, `/broker/restore`, `/postgres/cut`, `/postgres/restore`,
 * `/redis/flush` (the stack's own Redis database only), `/services/{name}/kill` (SIGKILL),
 * `/services/{name}/start` (answers once healthy), and `/stack/settle` (answers once every service
 * reports every dependency ok). Each answers 204, or an error in plain text.
 */
export async function startFaultControl(stack: RunningStack): Promise<TierAttachment> {
  const { proxies } = stack
  if (!proxies) throw new Error('fault control needs a stack planned with proxies')
  const actions: Record<string, () => unknown> = {
    '/broker/cut': () => proxies.broker.cut(),
    '/broker/restore': () => proxies.broker.restore(),
    '/postgres/cut': () => proxies.postgres.cut(),
    '/postgres/restore': () => proxies.postgres.restore(),
    '/redis/flush': () => flushRedisDatabase(stack.plan.redisUrl),
    '/stack/settle': () => stack.untilSettled(),
  }
  const serviceAction = (path: string) => {
    const [, name, verb] = /^\/services\/([\w-]+)\/(kill|start)$/.exec(path) ?? []
    if (!name) return undefined
    return verb === 'kill'
      ? () => stack.killService(name, 'SIGKILL')
      : () => stack.startService(name)
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://control').pathname
    const action = actions[path] ?? serviceAction(path)
    if (request.method !== 'POST' || !action) {
      response.writeHead(404).end(`no fault at ${request.method} ${path}`)
      return
    }
    try {
      await action()
      response.writeHead(204).end()
    } catch (error) {
      response.writeHead(500).end(error instanceof Error ? error.message : String(error))
    }
  }
  const server = createServer((request, response) => void handle(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('fault control has no port')
  return {
    env: {
      FAULTS_CONTROL_URL: `http://127.0.0.1:${address.port}`,
      FAULTS_AMQP_URL: stack.plan.amqpUrl,
      FAULTS_MESSAGING_PREFIX: stack.plan.messagingPrefix,
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
