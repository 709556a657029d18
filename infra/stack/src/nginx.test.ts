import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { generatedGatewayFiles } from './generated-files.js'
import {
  API_BODY_LIMIT,
  API_BODY_LIMITS,
  generateNginxTemplate,
  localTemplateValues,
  renderMainConfig,
  renderTemplate,
  STREAM_READ_TIMEOUT,
  templateVariables,
  UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS,
} from './nginx.js'
import { repositoryRoot } from './paths.js'
import { type ServiceDefinition, SERVICES } from './services.js'

const root = repositoryRoot()
const gateway = {
  host: '127.0.0.1',
  port: 8080,
  rateLimit: 100,
  burst: 200,
  maxBodySize: '1m',
  docsRoot: '/srv/docs',
  mediaRoot: '/srv/media',
  webRoot: '/srv/web',
  accessLog: '/dev/stdout',
}
const upstreams = SERVICES.map((service) => ({ service, port: service.port }))

describe('the committed gateway files', () => {
  it('match the service registry (else: npm run build && npm run generate -w @chatty/stack)', async () => {
    for (const file of await generatedGatewayFiles(root, SERVICES)) {
      expect(readFileSync(join(root, file.path), 'utf8'), file.path).toBe(file.content)
    }
  })
})

describe('nginx template', () => {
  const template = generateNginxTemplate(SERVICES)

  it('uses exactly the placeholders it declares', () => {
    const used = new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]))
    expect([...used].sort()).toEqual(templateVariables(SERVICES).sort())
  })

  it('writes nginx variables in lower case and without braces, so envsubst leaves them alone', () => {
    const unbraced = [...template.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1])
    expect(unbraced.length).toBeGreaterThan(0)
    for (const name of unbraced) expect(name).toMatch(/^[a-z0-9_]+$/)
  })

  it('renders with local values: listen address, upstreams and one location pair per prefix', () => {
    const config = renderTemplate(template, localTemplateValues(gateway, upstreams))
    expect(config).not.toContain('${')
    expect(config).toContain('listen 127.0.0.1:8080 default_server;')
    expect(config).toContain('server 127.0.0.1:3001;')
    expect(config).toContain('rate=100r/s')
    expect(config).toContain('burst=200 nodelay')
    expect(config).toContain('alias /srv/docs/index.html;')
    expect(config).toContain('root /srv/web;')
    expect(config).toContain('access_log /dev/stdout chatty_access;')
    for (const prefix of SERVICES.flatMap((service) => service.prefixes)) {
      expect(config).toContain(`location = ${prefix} {`)
      expect(config).toContain(`location ${prefix}/ {`)
    }
  })

  it('answers 404 for /metrics itself and routes no path to a metrics port', () => {
    const config = renderTemplate(template, localTemplateValues(gateway, upstreams))
    const block = config.split('location = /metrics {')[1]?.split('\n    }\n')[0]
    expect(block?.trim()).toBe('return 404;')
    for (const service of SERVICES) expect(config).not.toContain(`:${service.metricsPort}`)
  })

  it("refuses bodies over the services' limit in every API location, before they reach a service", () => {
    const config = renderTemplate(template, localTemplateValues(gateway, upstreams))
    for (const prefix of SERVICES.flatMap((service) => service.prefixes)) {
      for (const match of [`= ${prefix}`, `${prefix}/`]) {
        const block = config.split(`location ${match} {`)[1]?.split('\n    }\n')[0]
        const limit = match === '= /api/media' ? API_BODY_LIMITS['/api/media'] : API_BODY_LIMIT
        expect(block, match).toContain(`client_max_body_size ${limit};`)
        expect(block, match).toContain('if ($chatty_malformed_uri) {')
      }
    }
    expect(API_BODY_LIMIT).toBe('64k')
    // Uploads only: an 8 MiB file and the room for posts to answer 413 itself (see API_BODY_LIMITS).
    expect(API_BODY_LIMITS).toEqual({ '/api/media': '16m' })
  })

  it('serves uploads from MEDIA_DIR, only under the names posts gives them', () => {
    const config = renderTemplate(template, localTemplateValues(gateway, upstreams))
    expect(config).toContain('alias /srv/media/$chatty_media_file;')
    expect(config).toContain('image/webp webp;')
    expect(config).not.toContain('autoindex on')
  })

  it('neither buffers an event stream nor cuts it at the usual read timeout', () => {
    const config = renderTemplate(template, localTemplateValues(gateway, upstreams))
    const streamPaths = SERVICES.flatMap((service) => service.streamPaths ?? [])
    expect(streamPaths).toContain('/api/notifications/stream')
    for (const path of streamPaths) {
      const block = config.split(`location = ${path} {`)[1]?.split('\n    }\n')[0]
      expect(block, path).toContain('proxy_buffering off;')
      expect(block, path).toContain(`proxy_read_timeout ${STREAM_READ_TIMEOUT};`)
      expect(block, path).toContain('if ($chatty_malformed_uri) {')
    }
  })

  it('gives up idle upstream connections before the services do (65 s)', () => {
    const upstreamBlocks = template.split('upstream ').slice(1)
    expect(upstreamBlocks).toHaveLength(
      SERVICES.filter((service) => service.prefixes.length).length,
    )
    for (const block of upstreamBlocks) {
      expect(block).toContain(`keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS}s;`)
    }
    expect(UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS * 1000).toBeLessThan(65_000)
  })

  it('answers its own errors with problem+json bodies', () => {
    const bodies = [...template.matchAll(/return (\d{3}) '(\{.*\})';/g)]
    expect(bodies.map((match) => Number(match[1])).sort()).toEqual([
      400, 404, 413, 414, 429, 502, 503, 504,
    ])
    for (const [, status, body] of bodies) {
      const problem = JSON.parse(body as string) as Record<string, unknown>
      expect(problem).toMatchObject({ status: Number(status), type: `/problems/${problem.code}` })
    }
    expect(template).toContain(
      `return 404 '{"type":"/problems/not-found","code":"not-found","title":"Not Found","status":404}';`,
    )
  })

  it('includes only the services of the registry it is given', () => {
    const extra: ServiceDefinition = {
      name: 'archive',
      port: 3099,
      metricsPort: 9199,
      prefixes: ['/api/archive'],
      healthPath: '/api/archive/health',
      readyPath: '/api/archive/ready',
      database: 'archive',
      databaseVariable: 'ARCHIVE_DATABASE_URL',
      queue: 'archive.events',
    }
    expect(generateNginxTemplate(SERVICES)).not.toContain('chatty_archive')
    const withMore = generateNginxTemplate([...SERVICES, extra])
    expect(withMore).toContain('upstream chatty_archive {')
    expect(withMore).toContain('server ${ARCHIVE_UPSTREAM};')
    expect(templateVariables([...SERVICES, extra])).toContain('ARCHIVE_UPSTREAM')
  })

  it('refuses to render with a placeholder left empty', () => {
    expect(() => renderTemplate('listen ${GATEWAY_LISTEN}; ${AUTH_UPSTREAM}', {})).toThrow(
      /GATEWAY_LISTEN, AUTH_UPSTREAM/,
    )
  })
})

describe('local nginx.conf', () => {
  it('keeps nginx in the foreground with every path under its prefix', () => {
    const config = renderMainConfig({
      prefix: '/tmp/x/nginx',
      serverConfigPath: '/tmp/x/nginx/chatty.conf',
      runningAsRoot: false,
    })
    expect(config).toContain('daemon off;')
    expect(config).toContain('pid /tmp/x/nginx/nginx.pid;')
    expect(config).toContain('client_body_temp_path /tmp/x/nginx/client_body_temp;')
    expect(config).toContain('include /tmp/x/nginx/chatty.conf;')
    expect(config).not.toContain('user ')
  })

  it('keeps the workers as root when started by root, so they can use the prefix', () => {
    const config = renderMainConfig({ prefix: '/p', serverConfigPath: '/p/c', runningAsRoot: true })
    expect(config).toContain('user root;')
  })
})
