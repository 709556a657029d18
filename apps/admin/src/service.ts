import type { ServiceManifest } from '@chatty/config'

/** Moderation: accounts, bans, reports, takedowns and the audit log. */
export const SERVICE = {
  name: 'admin',
  port: 3004,
  metricsPort: 9104,
  prefixes: ['/api/admin', '/api/reports'],
  healthPath: '/api/admin/health',
  readyPath: '/api/admin/ready',
  database: 'admin',
  databaseVariable: 'ADMIN_DATABASE_URL',
  queue: 'admin.events',
} as const satisfies ServiceManifest
