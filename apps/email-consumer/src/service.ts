import type { ServiceManifest } from '@chatty/config'

/** Sends the emails other services ask for; no public API. */
export const SERVICE = {
  name: 'email-consumer',
  port: 3005,
  metricsPort: 9105,
  prefixes: [],
  healthPath: '/health',
  readyPath: '/ready',
  database: 'email',
  databaseVariable: 'EMAIL_DATABASE_URL',
  queue: 'email.send',
} as const satisfies ServiceManifest
