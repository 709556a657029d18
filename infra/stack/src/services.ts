import { SERVICE as admin } from '@chatty/admin/service'
import { SERVICE as auth } from '@chatty/auth/service'
import type { ServiceManifest } from '@chatty/config'
import { SERVICE as emailConsumer } from '@chatty/email-consumer/service'
import { SERVICE as notifications } from '@chatty/notifications/service'
import { SERVICE as posts } from '@chatty/posts/service'
import { SERVICE as subscription } from '@chatty/subscription/service'

/** One deployable under apps/, as its own `src/service.ts` manifest declares it. */
export type ServiceDefinition = ServiceManifest

/**
 * Every service of the system. The local stack, the e2e runner, the nginx template, the API docs
 * page and the docker-compose checks all read this list, so adding a service is its manifest and an
 * entry here, then `npm run build && npm run generate -w @chatty/stack` and its block in
 * docker-compose.yml (the tests say what is missing).
 */
export const SERVICES: readonly ServiceDefinition[] = [
  auth,
  posts,
  subscription,
  admin,
  notifications,
  emailConsumer,
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
