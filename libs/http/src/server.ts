import type { AddressInfo } from 'node:net'

import { serve } from '@hono/node-server'
import type { Hono } from 'hono'

export interface RunningServer {
  port: number
  /** Stops accepting connections and waits for in-flight requests to finish. */
  close(): Promise<void>
}

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
    server.once('error', reject)
  })
}
