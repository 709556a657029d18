import type { ServiceManifest } from '@chatty/config'

/** Notifications and their live stream. */
export const SERVICE = {
  name: 'notifications',
  port: 3006,
  metricsPort: 9106,
  prefixes: ['/api/notifications'],
  healthPath: '/api/notifications/health',
  readyPath: '/api/notifications/ready',
  database: 'notifications',
  databaseVariable: 'NOTIFICATIONS_DATABASE_URL',
  queue: 'notifications.events',
  streamPaths: ['/api/notifications/stream'],
} as const satisfies ServiceManifest
