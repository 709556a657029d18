/** One deployable under apps/. */
export interface ServiceDefinition {
  /** The folder under apps/, the process name and the docker-compose service name. */
  name: string
  port: number
  /** Public path prefixes nginx routes to it; empty for a worker nobody calls from outside. */
  prefixes: readonly string[]
  healthPath: string
  /** The database is chatty_<database>. */
  database: string
  databaseVariable: string
}

/**
 * Every service of the system. The local stack, the e2e runner, the nginx template, the API docs
 * page and the docker-compose checks all read this list, so adding a service is one entry here,
 * then `npm run build && npm run generate -w @chatty/stack` and its block in docker-compose.yml
 * (the tests say what is missing).
 */
export const SERVICES: readonly ServiceDefinition[] = [
  {
    name: 'auth',
    port: 3001,
    prefixes: ['/api/auth', '/api/users'],
    healthPath: '/api/auth/health',
    database: 'auth',
    databaseVariable: 'AUTH_DATABASE_URL',
  },
  {
    name: 'posts',
    port: 3002,
    prefixes: ['/api/posts'],
    healthPath: '/api/posts/health',
    database: 'posts',
    databaseVariable: 'POSTS_DATABASE_URL',
  },
  {
    name: 'subscription',
    port: 3003,
    prefixes: ['/api/subscriptions', '/api/feed'],
    healthPath: '/api/subscriptions/health',
    database: 'subscription',
    databaseVariable: 'SUBSCRIPTION_DATABASE_URL',
  },
  {
    name: 'admin',
    port: 3004,
    prefixes: ['/api/admin', '/api/reports'],
    healthPath: '/api/admin/health',
    database: 'admin',
    databaseVariable: 'ADMIN_DATABASE_URL',
  },
  {
    name: 'email-consumer',
    port: 3005,
    prefixes: [],
    healthPath: '/health',
    database: 'email',
    databaseVariable: 'EMAIL_DATABASE_URL',
  },
]

export function isRouted(service: ServiceDefinition): boolean {
  return service.prefixes.length > 0
}

/** Where a routed service publishes its OpenAPI document, under its first prefix. */
export function openApiPath(service: ServiceDefinition): string | undefined {
  const [main] = service.prefixes
  return main === undefined ? undefined : `${main}/openapi.json`
}

/** The template placeholder that holds `host:port` of a service's upstream, e.g. AUTH_UPSTREAM. */
export function upstreamVariable(service: ServiceDefinition): string {
  return `${service.name.toUpperCase().replaceAll('-', '_')}_UPSTREAM`
}

export function databaseNameOf(service: ServiceDefinition, prefix = 'chatty_'): string {
  return `${prefix}${service.database}`
}
