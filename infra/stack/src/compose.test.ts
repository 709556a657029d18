import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

import { generateNginxTemplate, templateVariables } from './nginx.js'
import { repositoryRoot } from './paths.js'
import { databaseNameOf, isRouted, SERVICES, upstreamVariable } from './services.js'

interface ComposeService {
  image?: string
  build?: { context: string; dockerfile: string; target: string; args?: Record<string, string> }
  environment?: Record<string, string | number>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test?: string[]; disable?: boolean }
  ports?: string[]
  profiles?: string[]
  restart?: string
}

interface ComposeFile {
  services: Record<string, ComposeService>
}

const root = repositoryRoot()
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8')
const compose = parse(text) as ComposeFile
const services = compose.services
const PUBLISHERS = ['nginx', 'mailpit', 'rabbitmq']
/** Jobs that run once and exit rather than serve, so there is no health to check. */
const ONE_SHOT_JOBS = ['e2e']
// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

// The vendored schema declares draft-07 by an address ajv does not know, so it is not re-validated.
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
addFormats(ajv)
const validateCompose = ajv.compile(
  JSON.parse(readFileSync(join(root, 'infra', 'compose', 'compose-spec.json'), 'utf8')) as object,
)

describe('docker-compose.yml', () => {
  it('follows the Compose specification (infra/compose/compose-spec.json)', () => {
    const validate = validateCompose
    const valid = validate(compose)
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([])
    expect(valid).toBe(true)
  })

  it('would fail on a file that breaks the specification', () => {
    const validate = validateCompose
    expect(validate({ services: { x: { image: 'a', helthcheck: {} } } })).toBe(false)
    expect(validate({ services: { x: { depends_on: { y: { condition: 'ready' } } } } })).toBe(false)
  })

  it('depends only on services it defines', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(services, `${name} depends on ${dependency}`).toHaveProperty(dependency)
      }
    }
  })

  it('has a health check for every long-running service', () => {
    for (const [name, service] of Object.entries(services)) {
      if (ONE_SHOT_JOBS.includes(name)) {
        expect(service.profiles, `${name} only runs on demand`).toEqual(['test'])
        continue
      }
      expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined()
      expect(service.healthcheck?.disable, name).not.toBe(true)
    }
  })

  it('waits for health, not just start, of what a service depends on', () => {
    for (const service of Object.values(services)) {
      for (const dependency of Object.values(service.depends_on ?? {})) {
        expect(dependency.condition).toBe('service_healthy')
      }
    }
  })

  it('publishes ports only for nginx and the two management UIs', () => {
    const publishing = Object.entries(services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name)
    expect(publishing.sort()).toEqual([...PUBLISHERS].sort())
    expect(services.mailpit?.ports).toEqual(['127.0.0.1:8025:8025'])
    expect(services.rabbitmq?.ports).toEqual(['127.0.0.1:15672:15672'])
  })

  it('runs every service of the registry, built from the one Dockerfile', () => {
    const built = Object.entries(services)
      .filter(([, service]) => service.build?.target === 'runtime')
      .map(([name]) => name)
    expect(built.sort()).toEqual(SERVICES.map((service) => service.name).sort())
    for (const definition of SERVICES) {
      const service = services[definition.name] as ComposeService
      expect(service.build).toMatchObject({
        context: '.',
        dockerfile: 'infra/Dockerfile',
        args: { APP: definition.name },
      })
      expect(service.environment?.PORT).toBe(definition.port)
      expect(service.environment?.METRICS_PORT).toBe(definition.metricsPort)
      expect(String(service.environment?.[definition.databaseVariable])).toMatch(
        new RegExp(`@postgres:5432/${databaseNameOf(definition)}$`),
      )
      for (const variable of ['HOST', 'LOG_LEVEL', 'REDIS_URL', 'AMQP_URL', 'MESSAGING_PREFIX']) {
        expect(service.environment, `${definition.name} ${variable}`).toHaveProperty(variable)
      }
      expect(service.healthcheck?.test?.join(' ')).toContain(
        `http://127.0.0.1:${definition.port}${definition.healthPath}`,
      )
      for (const infrastructure of ['postgres', 'redis', 'rabbitmq']) {
        expect(service.depends_on, definition.name).toHaveProperty(infrastructure)
      }
    }
  })

  it('gives nginx a value for every placeholder of the template and waits for the routed services', () => {
    const nginx = services.nginx as ComposeService
    for (const variable of templateVariables(SERVICES)) {
      expect(nginx.environment, variable).toHaveProperty(variable)
    }
    for (const definition of SERVICES.filter(isRouted)) {
      expect(nginx.environment?.[upstreamVariable(definition)]).toBe(
        `${definition.name}:${definition.port}`,
      )
      expect(nginx.depends_on, definition.name).toHaveProperty(definition.name)
    }
    expect(generateNginxTemplate(SERVICES)).toBe(
      readFileSync(join(root, 'nginx', 'chatty.conf.template'), 'utf8'),
    )
  })

  it('creates the database of every service at PostgreSQL initialisation', () => {
    const init = readFileSync(join(root, 'infra', 'postgres', 'init.sql'), 'utf8')
    for (const definition of SERVICES) {
      expect(init).toContain(`CREATE DATABASE ${databaseNameOf(definition)};`)
    }
  })

  it('runs the e2e suite against nginx and Mailpit', () => {
    expect(services.e2e?.environment).toMatchObject({
      E2E_BASE_URL: 'http://nginx',
      E2E_MAILPIT_URL: 'http://mailpit:8025',
    })
    expect(services.e2e?.build?.target).toBe('test')
  })
})
