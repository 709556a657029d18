/**
 * A service's identity. Each app declares one in `apps/<app>/src/service.ts`; its config, context,
 * domain code and the stack runner (nginx routes, databases, docker-compose checks) all import it,
 * so what nginx routes is what the service serves.
 */
export interface ServiceManifest {
  /**
   * The folder under apps/, the process and docker-compose service, the logger, the consumer in
   * the messaging topology and the `producer` of the events it publishes.
   */
  name: string
  port: number
  /**
   * Where it serves Prometheus metrics (`GET /metrics`): a port of its own, never the API port and
   * never routed by nginx.
   */
  metricsPort: number
  /** Public path prefixes nginx routes to it and it serves; empty for a worker with no public API. */
  prefixes: readonly string[]
  /** Where the stack runner and docker-compose ask whether it is up. */
  healthPath: string
  /**
   * Where the stack runner asks, as it starts, whether it can serve every request: 503 until its
   * dependencies are up and, for a service with a public API, every owner's revocation marks are
   * in Redis (token checks answer 503 until then).
   */
  readyPath: string
  /** The service's own database is chatty_<database>. */
  database: string
  /** The variable that overrides the database URL. */
  databaseVariable: string
  /** The queue it consumes (see the topology in libs/messaging). */
  queue: string
  /**
   * Long-lived responses (server-sent events): nginx neither buffers them nor cuts them at its
   * read timeout.
   */
  streamPaths?: readonly string[]
}
