import type { ServiceManifest } from '@chatty/config'

/** Accounts, sessions, access tokens and their keys, and the public profiles. */
export const SERVICE = {
  name: 'auth',
  port: 3001,
  metricsPort: 9101,
  prefixes: ['/api/auth', '/api/users'],
  healthPath: '/api/auth/health',
  readyPath: '/api/auth/ready',
  database: 'auth',
  databaseVariable: 'AUTH_DATABASE_URL',
  queue: 'auth.events',
} as const satisfies ServiceManifest
