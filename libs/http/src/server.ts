import type { AddressInfo } from 'node:net'

import { serve } from '@hono/node-server'
import type { Hono } from 'hono'

export interface RunningServer {
  port: number
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>
}

/**
 * How long an idle kept-alive connection stays open. Longer than nginx's upstream
 * `keepalive_timeout` (60 s, UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS in infra/stack/src/nginx.ts), so
 * nginx always gives up an idle connection first and never sends a request on one the service is
 * closing (Node's default of 5 s made that a source of 502s on POST, which nginx does not retry).
 */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 65_000

/** Above the keep-alive timeout, as Node needs, so it never cuts a connection the other allows. */
export const SERVER_HEADERS_TIMEOUT_MS = SERVER_KEEP_ALIVE_TIMEOUT_MS + 1_000

/** Starts listening; resolves once the port is bound. */
export function startHttpServer(
  app: Pick<Hono, 'fetch'>,
  options: { port: number; host: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port, hostname: options.host },
      (info) => {
        let closing: Promise<void> | undefined
        resolve({
          port: (info as AddressInfo).port,
          close: () => {
            closing ??= new Promise<void>((done) => {
              server.close(() => done())
              if ('closeIdleConnections' in server) server.closeIdleConnections()
            })
            return closing
          },
        })
      },
    )
    if ('keepAliveTimeout' in server) {
      server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS
      server.headersTimeout = SERVER_HEADERS_TIMEOUT_MS
    }
    server.once('error', reject)
  })
}

/**
 * Serves until SIGTERM or SIGINT, then stops in the order DESIGN §5 gives: stop accepting HTTP and
 * finish in-flight requests, then `stop` (consumers, relay, connections). No process.exit: the
 * process ends when nothing is left running.
 */
export async function serveUntilSignal(
  app: Pick<Hono, 'fetch'>,
  options: {
    port: number
    host: string
    logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void }
    stop: () => Promise<void>
  },
): Promise<RunningServer> {
  const server = await startHttpServer(app, options)
  options.logger.info({ port: server.port }, 'listening')
  const shutdown = new AbortController()
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => shutdown.abort(signal))
  }
  shutdown.signal.addEventListener('abort', () => {
    options.logger.info({ signal: shutdown.signal.reason }, 'shutting down')
    server
      .close()
      .then(options.stop)
      .then(
        () => options.logger.info({}, 'stopped'),
        (error: unknown) => {
          options.logger.error({ err: error }, 'shutdown failed')
          process.exitCode = 1
        },
      )
  })
  return server
}
