import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import { eventually, freePort } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type LogOutput } from './log-output.js'
import {
  API_CONTENT_SECURITY_POLICY,
  findNginx,
  type GatewaySettings,
  localTemplateValues,
  renderMainConfig,
  renderTemplate,
  WEB_CONTENT_SECURITY_POLICY,
} from './nginx.js'
import { repositoryRoot } from './paths.js'
import { createProcessGroup, type ProcessGroup } from './processes.js'
import { SERVICES } from './services.js'

const execFileAsync = promisify(execFile)
const root = repositoryRoot()
const nginxBinary = findNginx(process.env) as string
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': API_CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
}
const INDEX_HTML =
  '<!doctype html><title>Chatty</title><script type="module" src="/assets/app-1a2b3c.js"></script>'
const ASSET = 'console.log(1)'

/** Renders the committed template the way the local runner does and checks it with nginx -t. */
async function renderGateway(
  dir: string,
  gateway: Omit<GatewaySettings, 'host' | 'docsRoot' | 'mediaRoot' | 'webRoot' | 'accessLog'>,
  upstreamPort: number,
) {
  const serverConfig = join(dir, 'chatty.conf')
  const mainConfig = join(dir, 'nginx.conf')
  const template = readFileSync(join(root, 'nginx', 'chatty.conf.template'), 'utf8')
  const settings = {
    ...gateway,
    host: '127.0.0.1',
    docsRoot: join(root, 'nginx', 'docs'),
    mediaRoot: join(dir, 'media'),
    webRoot: join(dir, 'web'),
    accessLog: join(dir, 'access.log'),
  }
  const upstreams = SERVICES.map((service) => ({ service, port: upstreamPort }))
  writeFileSync(serverConfig, renderTemplate(template, localTemplateValues(settings, upstreams)))
  writeFileSync(
    mainConfig,
    renderMainConfig({
      prefix: dir,
      serverConfigPath: serverConfig,
      runningAsRoot: process.getuid?.() === 0,
    }),
  )
  return { mainConfig }
}

async function startGateway(
  group: ProcessGroup,
  name: string,
  gateway: Omit<GatewaySettings, 'host' | 'docsRoot' | 'mediaRoot' | 'webRoot' | 'accessLog'>,
  upstreamPort: number,
) {
  const dir = mkdtempSync(join(tmpdir(), `chatty-${name}-`))
  mkdirSync(join(dir, 'media'))
  mkdirSync(join(dir, 'web', 'assets'), { recursive: true })
  writeFileSync(join(dir, 'web', 'index.html'), INDEX_HTML)
  writeFileSync(join(dir, 'web', 'assets', 'app-1a2b3c.js'), ASSET)
  const { mainConfig } = await renderGateway(dir, gateway, upstreamPort)
  const args = ['-p', dir, '-c', mainConfig, '-e', 'stderr']
  await execFileAsync(nginxBinary, [...args, '-t'])
  group.start({ name, command: nginxBinary, args, env: { PATH: process.env.PATH }, cwd: dir })
  const base = `http://127.0.0.1:${gateway.port}`
  await eventually(async () => {
    const response = await fetch(`${base}/api/docs`)
    if (!response.ok) throw new Error(`docs answered ${response.status}`)
  }, 10_000)
  return { base, dir }
}

function expectSecurityHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS))
    expect(headers.get(name)).toBe(value)
}

describe('nginx gateway (rendered template, real nginx)', () => {
  const lines: string[] = []
  const output: LogOutput = { line: (source, text) => lines.push(`${source}: ${text}`) }
  const group = createProcessGroup(output)
  const dirs: string[] = []
  let upstream: Server
  let upstreamPort: number
  let seen: IncomingHttpHeaders[] = []
  let gateway: string
  let limitedGateway: string

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      seen.push(request.headers)
      if (request.url === '/api/auth/login-throttled') {
        response.writeHead(429, {
          'Retry-After': '897',
          'Content-Type': 'application/problem+json',
        })
        return response.end('{"code":"rate-limited","status":429}')
      }
      // Headers the gateway must replace rather than pass on twice.
      response.setHeader('X-Content-Type-Options', 'upstream-value')
      response.setHeader('X-Request-Id', 'upstream-id')
      response.setHeader('Content-Type', 'application/json')
      response.end(JSON.stringify({ path: request.url }))
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    upstreamPort = (upstream.address() as AddressInfo).port

    const main = await startGateway(
      group,
      'nginx',
      { port: await freePort(), rateLimit: 1000, burst: 1000, maxBodySize: '1k' },
      upstreamPort,
    )
    const limited = await startGateway(
      group,
      'nginx-limited',
      { port: await freePort(), rateLimit: 1, burst: 2, maxBodySize: '1k' },
      upstreamPort,
    )
    gateway = main.base
    limitedGateway = limited.base
    dirs.push(main.dir, limited.dir)
  })

  afterAll(async () => {
    await group.stop(5_000)
    upstream?.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('answers an unknown path with a problem+json 404 and the security headers', async () => {
    for (const path of ['/metrics', '/api', '/api/authx', '/api/nothing/1', '/api/docs/x']) {
      const response = await fetch(`${gateway}${path}`)
      expect(response.status, path).toBe(404)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(await response.json()).toEqual({
        type: '/problems/not-found',
        code: 'not-found',
        title: 'Not Found',
        status: 404,
      })
      expectSecurityHeaders(response.headers)
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    }
  })

  it('serves the web client at / and answers client routes with its index.html', async () => {
    for (const path of ['/', '/index.html', '/posts/0190a1b2', '/users/someone?tab=likes']) {
      const response = await fetch(`${gateway}${path}`)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('no-cache')
      expect(response.headers.get('content-security-policy')).toBe(WEB_CONTENT_SECURITY_POLICY)
      expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(await response.text()).toBe(INDEX_HTML)
    }
  })

  it('serves hashed assets as immutable and a missing one as a 404, never as index.html', async () => {
    const asset = await fetch(`${gateway}/assets/app-1a2b3c.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(await asset.text()).toBe(ASSET)
    const missing = await fetch(`${gateway}/assets/app-000000.js`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toBe('application/problem+json')
    expect(missing.headers.get('cache-control')).toBeNull()
  })

  it('hides its version', async () => {
    const response = await fetch(`${gateway}/api/nope`)
    expect(response.headers.get('server')).toBe('nginx')
  })

  it('refuses a body over the limit with a problem+json 413', async () => {
    seen = []
    // Over the services' 64 KiB: the API locations carry that limit themselves.
    const response = await fetch(`${gateway}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(70_000) }),
    })
    expect(seen).toEqual([])
    expect(response.status).toBe(413)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.json()).toMatchObject({ code: 'payload-too-large', status: 413 })
    expectSecurityHeaders(response.headers)
  })

  it('proxies the routed prefixes with forwarding headers the client cannot forge', async () => {
    seen = []
    const response = await fetch(`${gateway}/api/auth/login?x=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'client-id-1',
        'x-forwarded-for': '203.0.113.9',
      },
      body: '{}',
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ path: '/api/auth/login?x=1' })
    expect(response.headers.get('x-request-id')).toBe('client-id-1')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expectSecurityHeaders(response.headers)
    expect(seen[0]).toMatchObject({
      'x-request-id': 'client-id-1',
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      'x-forwarded-proto': 'http',
    })

    for (const path of [
      '/api/subscriptions',
      '/api/subscriptions/alice',
      '/api/auth',
      '/api/auth/health',
    ]) {
      const routed = await fetch(`${gateway}${path}`)
      expect(routed.status, path).toBe(200)
      expect(await routed.json()).toEqual({ path })
    }
  })

  it("passes a service's own 429 and Retry-After through unchanged", async () => {
    const response = await fetch(`${gateway}/api/auth/login-throttled`)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('897')
    expect(await response.json()).toEqual({ code: 'rate-limited', status: 429 })
  })

  it('replaces a request id that does not look like one', async () => {
    seen = []
    const response = await fetch(`${gateway}/api/auth/me`, {
      headers: { 'x-request-id': 'not a valid id; <script>' },
    })
    const id = response.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(seen[0]?.['x-request-id']).toBe(id)
  })

  it('serves the API docs page', async () => {
    const response = await fetch(`${gateway}/api/docs`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await response.text()).toContain('/api/auth/openapi.json')
    expectSecurityHeaders(response.headers)
    const slash = await fetch(`${gateway}/api/docs/`, { redirect: 'manual' })
    expect(slash.status).toBe(301)
    expect(slash.headers.get('location')).toBe('/api/docs')
  })

  async function rawRequest(text: string): Promise<string> {
    const port = new URL(gateway).port
    return new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      let received = ''
      socket.on('data', (chunk) => (received += chunk.toString()))
      socket.on('end', () => resolve(received))
      socket.on('error', reject)
      socket.write(text)
    })
  }

  it('answers a malformed request with a problem+json 400', async () => {
    const raw = await rawRequest('GET /api/auth/me HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')
    expect(raw).toMatch(/^HTTP\/1\.1 400 /)
    expect(raw).toContain('Content-Type: application/problem+json')
    expect(raw).toContain('"code":"malformed-request"')
  })

  it('takes a body over the small limit on POST /api/media only', async () => {
    const post = (path: string) =>
      fetch(`${gateway}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(1024 * 1024, 1),
      })
    expect((await post('/api/media')).status).toBe(200)
    for (const path of ['/api/media/x', '/api/posts', '/api/auth/register']) {
      expect((await post(path)).status, path).toBe(413)
    }
  })

  it('serves an upload with its exact type, nosniff and a year of caching; nothing else under /media/', async () => {
    const dir = dirs[0] as string
    writeFileSync(join(dir, 'media', 'AbCdEfGhIjKlMnOpQrStUv.webp'), 'RIFF0000WEBP')
    writeFileSync(join(dir, 'media', 'AbCdEfGhIjKlMnOpQrStUv.html'), '<script>alert(1)</script>')
    const response = await fetch(`${gateway}/media/AbCdEfGhIjKlMnOpQrStUv.webp`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('image/webp')
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expectSecurityHeaders(response.headers)
    expect(await response.text()).toBe('RIFF0000WEBP')
    for (const path of [
      '/media/',
      '/media',
      '/media/AbCdEfGhIjKlMnOpQrStUv.html',
      '/media/missingMissingMissing.png',
    ]) {
      const refused = await fetch(`${gateway}${path}`)
      expect(refused.status, path).toBe(404)
      expect(refused.headers.get('content-type')).toBe('application/problem+json')
      expect(refused.headers.get('cache-control')).toBeNull()
    }
  })

  it("passes a body up to the services' limit to the service", async () => {
    const response = await fetch(`${gateway}/api/posts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(60_000) }),
    })
    expect(response.status).toBe(200)
  })

  it.each([
    '/api/posts/abc%00def',
    '/api/posts/%zz',
    '/api/posts/%C0%AE',
    '/api/posts/%ED%A0%80',
    '/api/posts/..%2Fadmin/users',
    '/api/posts/../admin/users',
    '/api/posts/a%5Cb',
    '/api/docs%00',
    '/nope/%FF',
  ])('answers %s with a problem+json 400 and keeps it from the services', async (path) => {
    seen = []
    const raw = await rawRequest(`GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`)
    expect(raw).toMatch(/^HTTP\/1\.1 400 /)
    expect(raw).toContain('Content-Type: application/problem+json')
    expect(raw).toContain('X-Content-Type-Options: nosniff')
    expect(raw).toContain('"code":"malformed-request"')
    expect(seen).toEqual([])
  })

  it('routes well-formed percent-encoded paths and queries', async () => {
    for (const path of [
      '/api/subscriptions/%C3%BC%E2%82%AC%F0%9F%98%80',
      '/api/posts?q=%00%2F..%C0',
    ]) {
      const response = await fetch(`${gateway}${path}`)
      expect(response.status, path).toBe(200)
      expect(await response.json()).toEqual({ path })
    }
  })

  it('answers a URI over the limit with a problem+json 414', async () => {
    const response = await fetch(`${gateway}/api/posts/${'a'.repeat(20_000)}`)
    expect(response.status).toBe(414)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.json()).toMatchObject({ code: 'uri-too-long', status: 414 })
    expectSecurityHeaders(response.headers)
  })

  it('keeps its error pages internal', async () => {
    const response = await fetch(`${gateway}/.chatty/problems/400`)
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ code: 'not-found' })
  })

  it('limits requests per client IP with a problem+json 429 and Retry-After', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => fetch(`${limitedGateway}/api/docs`)),
    )
    const limited = responses.filter((response) => response.status === 429)
    expect(limited.length).toBeGreaterThan(0)
    const [first] = limited
    expect(first?.headers.get('retry-after')).toBe('1')
    expect(first?.headers.get('content-type')).toBe('application/problem+json')
    expect(await first?.json()).toMatchObject({ code: 'rate-limited', status: 429 })
    expectSecurityHeaders(first?.headers as Headers)
  })

  it('answers with a problem+json 502 when the service is down', async () => {
    await new Promise<void>((resolve) => {
      upstream.close(() => resolve())
      upstream.closeAllConnections()
    })
    const response = await fetch(`${gateway}/api/auth/me`)
    expect(response.status).toBe(502)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.json()).toMatchObject({ code: 'unavailable', status: 502 })
    expectSecurityHeaders(response.headers)
  })

  it('logs each request with its id', () => {
    const log = readFileSync(join(dirs[0] as string, 'access.log'), 'utf8')
    expect(log).toMatch(/^127\.0\.0\.1 "GET \/api\/nope HTTP\/1\.1" 404 /m)
    expect(log).toContain('request_id=client-id-1')
    expect(lines.filter((line) => line.includes('[emerg]'))).toEqual([])
  })
})
