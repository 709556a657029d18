import type { ServiceManifest } from '@chatty/config'

/** Posts and what happens to them. */
export const SERVICE = {
  name: 'posts',
  port: 3002,
  metricsPort: 9102,
  prefixes: ['/api/posts', '/api/media'],
  healthPath: '/api/posts/health',
  readyPath: '/api/posts/ready',
  database: 'posts',
  databaseVariable: 'POSTS_DATABASE_URL',
  queue: 'posts.events',
} as const satisfies ServiceManifest
