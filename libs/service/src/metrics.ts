import { createMetricsApp, type RunningServer, startHttpServer } from '@chatty/http'
import { collectDefaultMetrics, Registry } from 'prom-client'

/** GC pauses, in seconds: minor collections take a fraction of a millisecond, a stall 100s of ms. */
const GC_PAUSE_BUCKETS_SECONDS = [
  0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]

/** How often the event-loop delay is sampled, in ms (prom-client's monitorEventLoopDelay resolution). */
const EVENT_LOOP_RESOLUTION_MS = 10

/** A service's Prometheus metrics: what the libraries record, served on the metrics port. */
export interface ServiceMetrics {
  /** Every series carries the label `service`. */
  registry: Registry
  /** The port `GET /metrics` is served on once the service has started (METRICS_PORT, or the one picked for 0). */
  port(): number | undefined
  /** Starts serving `GET /metrics` on its own port; nothing else is served there. */
  listen(options: { port: number; host: string }): Promise<void>
  close(): Promise<void>
}

/**
 * The registry of one process, with Node's own metrics (event-loop delay percentiles since the
 * last scrape, GC pauses by kind, heap, CPU) on it.
 */
export function createServiceMetrics(service: string): ServiceMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({
    register: registry,
    gcDurationBuckets: GC_PAUSE_BUCKETS_SECONDS,
    eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS,
  })
  let server: RunningServer | undefined
  return {
    registry,
    port: () => server?.port,
    listen: async (options) => {
      server ??= await startHttpServer(createMetricsApp(registry), options)
    },
    close: async () => {
      await server?.close()
    },
  }
}
