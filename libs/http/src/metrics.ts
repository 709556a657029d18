import type { Context } from 'hono'
import { Hono } from 'hono'
import { routePath } from 'hono/route'
import { Histogram, type Registry } from 'prom-client'

/**
 * Buckets of request and handler durations, in seconds: fine below 25 ms, where the latency goals
 * are (DESIGN §10: p99 ≤ 20 ms), coarse above, up to the gateway's patience.
 */
export const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

/** Times each request by method, matched route pattern and status. */
export type RequestTimer = (c: Context, startedAt: number) => void

/**
 * The request duration histogram of a service on `registry`. The route label is the pattern the
 * request matched (`/api/posts/:id`), never the raw path, so ids do not multiply the series; a
 * request no route matched has the catch-all pattern `/*`.
 */
export function createRequestTimer(registry: Registry): RequestTimer {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to its response being ready, by matched route pattern.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  })
  return (c, startedAt) => {
    duration.observe(
      { method: c.req.method, route: routePath(c, -1) || '/*', status: c.res.status },
      (performance.now() - startedAt) / 1_000,
    )
  }
}

/** The app of the metrics port: `GET /metrics` in the Prometheus text format, nothing else. */
export function createMetricsApp(registry: Registry): Hono {
  const app = new Hono()
  app.get('/metrics', async (c) =>
    c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }),
  )
  return app
}
