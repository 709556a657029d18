import { randomUUID } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { expectJson, expectProblem, request } from './support/api.js'
import { uniqueSuffix } from './support/users.js'

describe('gateway', () => {
  it.each([
    ['an unknown top-level path', `/no-such-page-${uniqueSuffix()}`],
    ['an unknown API prefix', `/api/no-such-service-${uniqueSuffix()}`],
    ['an unknown route of a known service', `/api/auth/no-such-route-${uniqueSuffix()}`],
  ])('answers %s with a JSON 404, even to a browser', async (_name, path) => {
    const response = await request(path, { headers: { accept: 'text/html' } })
    expectProblem(response, 404, 'not-found')
    expect(response.text).not.toMatch(/<html/i)
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String))
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
