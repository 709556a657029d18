import type { ServiceManifest } from '@chatty/config'

/** The follow graph and the home feeds. */
export const SERVICE = {
  name: 'subscription',
  port: 3003,
  metricsPort: 9103,
  prefixes: ['/api/subscriptions', '/api/feed'],
  healthPath: '/api/subscriptions/health',
  readyPath: '/api/subscriptions/ready',
  database: 'subscription',
  databaseVariable: 'SUBSCRIPTION_DATABASE_URL',
  queue: 'subscription.events',
} as const satisfies ServiceManifest
