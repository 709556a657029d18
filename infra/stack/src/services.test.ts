import { describe, expect, it } from 'vitest'

import { isRouted, openApiPath, SERVICES, upstreamVariable } from './services.js'

describe('service registry', () => {
  it('gives every service its own name, port and database', () => {
    for (const key of ['name', 'port', 'database', 'databaseVariable'] as const) {
      const values = SERVICES.map((service) => service[key])
      expect(new Set(values).size, key).toBe(values.length)
    }
  })

  it('gives every service a metrics port of its own, apart from every API port', () => {
    const ports = SERVICES.flatMap((service) => [service.port, service.metricsPort])
    expect(new Set(ports).size).toBe(ports.length)
  })

  it('routes each public prefix to exactly one service', () => {
    const prefixes = SERVICES.flatMap((service) => service.prefixes)
    expect(new Set(prefixes).size).toBe(prefixes.length)
    for (const prefix of prefixes) expect(prefix).toMatch(/^\/api\/[a-z-]+$/)
  })

  it('keeps the health check of a routed service under its own prefix', () => {
    for (const service of SERVICES.filter(isRouted)) {
      expect(service.healthPath.startsWith(`${service.prefixes[0]}/`)).toBe(true)
    }
  })

  it('points start-up at the readiness path each service serves: `/ready` under its first prefix', () => {
    for (const service of SERVICES) {
      expect(service.readyPath, service.name).toBe(`${service.prefixes[0] ?? ''}/ready`)
    }
  })

  it('derives the document and upstream names', () => {
    const auth = SERVICES.find((service) => service.name === 'auth')
    const worker = SERVICES.find((service) => service.name === 'email-consumer')
    expect(auth && openApiPath(auth)).toBe('/api/auth/openapi.json')
    expect(worker && openApiPath(worker)).toBeUndefined()
    expect(worker && upstreamVariable(worker)).toBe('EMAIL_CONSUMER_UPSTREAM')
  })
})
