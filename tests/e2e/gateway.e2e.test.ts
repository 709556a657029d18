import { randomUUID } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { type ApiResponse, expectJson, expectProblem, request } from './support/api.js'
import { uniqueSuffix } from './support/users.js'

describe('gateway', () => {
  it.each([
    ['an unknown API prefix', `/api/no-such-service-${uniqueSuffix()}`],
    ['an unknown route of a known service', `/api/auth/no-such-route-${uniqueSuffix()}`],
    ["the services' metrics, served only on their own ports", '/metrics'],
  ])('answers %s with a JSON 404, even to a browser', async (_name, path) => {
    const response = await request(path, { headers: { accept: 'text/html' } })
    expectProblem(response, 404, 'not-found')
    expect(response.text).not.toMatch(/<html/i)
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String))
  })

  it('answers a client route with the web client, under its strict Content-Security-Policy', async () => {
    const response = await request(`/users/someone-${uniqueSuffix()}`, {
      headers: { accept: 'text/html' },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.text).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js">/)
    const policy = response.headers.get('content-security-policy')
    expect(policy).toContain("script-src 'self'")
    expect(policy).toContain("connect-src 'self'")
    expect(policy).not.toContain('unsafe-inline')
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(response.text)?.[1] as string
    const asset = await request(script)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
  })

  it('gives every response an X-Request-Id', async () => {
    const first = await request('/api/auth/health')
    const second = await request('/api/auth/health')
    const firstId = first.headers.get('x-request-id')
    expect(firstId).toMatch(/\S{8,}/)
    expect(second.headers.get('x-request-id')).not.toBe(firstId)
  })

  it('echoes the X-Request-Id a client sends', async () => {
    const requestId = randomUUID()
    const response = await request('/api/auth/health', { headers: { 'x-request-id': requestId } })
    expect(response.headers.get('x-request-id')).toBe(requestId)
  })

  it('sends security headers', async () => {
    for (const path of ['/api/auth/health', `/api/no-such-service-${uniqueSuffix()}`]) {
      const response = await request(path)
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    }
  })
})

describe('service documents', () => {
  it('reports auth liveness at /api/auth/health', async () => {
    const health = expectJson<{ status: string; service: string }>(
      await request('/api/auth/health'),
      200,
    )
    expect(health).toMatchObject({ status: 'ok', service: 'auth' })
  })

  it.each([
    ['posts', 'posts'],
    ['subscriptions', 'subscription'],
    ['admin', 'admin'],
  ])('reports liveness at /api/%s/health for the %s service', async (prefix, service) => {
    const health = expectJson<{ status: string; service: string }>(
      await request(`/api/${prefix}/health`),
      200,
    )
    expect(health).toMatchObject({ status: 'ok', service })
  })

  it.each(['posts', 'subscriptions', 'admin'])(
    'publishes an OpenAPI 3.1 document at /api/%s/openapi.json',
    async (prefix) => {
      const document = expectJson<{ openapi: string; paths: Record<string, unknown> }>(
        await request(`/api/${prefix}/openapi.json`),
        200,
      )
      expect(document.openapi).toMatch(/^3\.1\./)
      expect(Object.keys(document.paths).length).toBeGreaterThan(0)
    },
  )

  it('publishes an OpenAPI 3.1 document for auth that describes its routes', async () => {
    const document = expectJson<{
      openapi: string
      info: { title: string; version: string }
      paths: Record<string, unknown>
    }>(await request('/api/auth/openapi.json'), 200)
    expect(document.openapi).toMatch(/^3\.1\./)
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) })
    const paths = Object.keys(document.paths)
    for (const route of ['/register', '/login', '/refresh', '/logout', '/me', '/verify-email']) {
      expect(paths).toContainEqual(expect.stringMatching(new RegExp(`${route}$`)))
    }
  })

  it("serves an HTML API reference at /api/docs that links every service's document", async () => {
    const response = await request('/api/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(response.text).toMatch(/<html/i)
    for (const prefix of ['auth', 'posts', 'subscriptions', 'admin']) {
      expect(response.text).toContain(`/api/${prefix}/openapi.json`)
    }
  })
})

describe('malformed request paths', () => {
  const securityHeaders = {
    'x-content-type-options': 'nosniff',
    'content-security-policy': "frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
  }

  function expectGatewayProblem(response: ApiResponse, status: number, code: string): void {
    expectProblem(response, status, code)
    expect(response.text).not.toMatch(/<html/i)
    for (const [name, value] of Object.entries(securityHeaders)) {
      expect(response.headers.get(name), name).toBe(value)
    }
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String))
  }

  it.each([
    '/api/posts/abc%00def',
    '/api/admin/users/abc%00def',
    '/api/users/abc%00def',
    '/api/subscriptions/abc%00def',
    '/api/auth/abc%00',
    '/api/feed%00',
    '/api/posts/%zz',
    '/api/posts/abc%4',
    '/api/posts/%C0%AE%C0%AE/x',
    '/api/users/%C0%80',
    '/api/posts/%FF',
    '/api/posts/%E0%80%AF',
    '/api/posts/%ED%A0%80',
    '/api/posts/..%2f..%2fadmin/users',
    '/api/posts/..%2Fadmin/users',
    '/api/posts/a%5cb',
  ])('answers GET %s with a problem+json 400', async (path) => {
    expectGatewayProblem(await request(path), 400, 'malformed-request')
  })

  it('answers a POST to a malformed path with a problem+json 400', async () => {
    const response = await request('/api/posts/abc%00def/likes', { method: 'POST', json: {} })
    expectGatewayProblem(response, 400, 'malformed-request')
  })

  it('answers a URI longer than the gateway accepts with a problem+json 414', async () => {
    const response = await request(`/api/posts/${'a'.repeat(20_000)}`)
    expectGatewayProblem(response, 414, 'uri-too-long')
  })

  it('still routes well-formed percent-encoded paths', async () => {
    const encoded = await request(`/api/subscriptions/${encodeURIComponent('ünknown_ü')}/followers`)
    expect(encoded.status).toBe(404)
    expectProblem(encoded, 404, 'not-found')
  })
})
