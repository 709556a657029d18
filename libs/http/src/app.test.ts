import { NotFoundError } from '@chatty/domain'
import { createRoute, z } from '@hono/zod-openapi'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'

import { createServiceApp } from './app.js'
import { createMetricsApp } from './metrics.js'
import { createRouter } from './router.js'

function buildApp(metrics = new Registry()) {
  const app = createServiceApp({
    service: 'demo',
    prefixes: ['/api/demo'],
    bodyLimitBytes: 1024,
    metrics,
  })
  const router = createRouter()
  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/demo/things',
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: z.strictObject({ name: z.string().min(3) }) },
          },
        },
      },
      responses: { 201: { description: 'created' } },
    }),
    (c) => c.json({ name: c.req.valid('json').name }, 201),
  )
  router.get('/api/demo/missing', () => {
    throw new NotFoundError('No such thing.')
  })
  router.get('/api/demo/things/:id', (c) => c.json({ id: c.req.param('id') }))
  router.get('/api/demo/boom', () => {
    throw new Error('secret internals')
  })
  app.route('/', router)
  return app
}

const body = (res: Response): Promise<any> => res.json()

const post = (payload: string, contentType = 'application/json') =>
  buildApp().request('/api/demo/things', {
    method: 'POST',
    body: payload,
    headers: { 'content-type': contentType },
  })

describe('service app shell', () => {
  it('accepts a valid body', async () => {
    const res = await post('{"name":"abc"}')
    expect(res.status).toBe(201)
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('answers 400 malformed-request for broken JSON', async () => {
    const res = await post('{"name":')
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect((await body(res)).code).toBe('malformed-request')
  })

  it('answers 415 for a body that is not JSON', async () => {
    const res = await post('name=abc', 'application/x-www-form-urlencoded')
    expect(res.status).toBe(415)
    expect((await body(res)).code).toBe('unsupported-media-type')
  })

  it('answers 422 naming the field, and rejects unknown fields', async () => {
    const res = await post('{"name":"a","role":"admin"}')
    expect(res.status).toBe(422)
    const problem = await body(res)
    expect(problem.code).toBe('validation-failed')
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['(body)', 'name'])
  })

  it('answers 413 for a body over the limit', async () => {
    const res = await post(JSON.stringify({ name: 'x'.repeat(2000) }))
    expect(res.status).toBe(413)
    expect((await body(res)).code).toBe('payload-too-large')
  })

  it('answers 413 from a declared length over the limit, and reads a declared body under it', async () => {
    const send = (payload: string, length: number) =>
      buildApp().request('/api/demo/things', {
        method: 'POST',
        body: payload,
        headers: { 'content-type': 'application/json', 'content-length': String(length) },
      })
    const refused = await send(JSON.stringify({ name: 'x'.repeat(2000) }), 2011)
    expect(refused.status).toBe(413)
    expect(refused.headers.get('x-request-id')).toBeTruthy()
    const accepted = await send('{"name":"abc"}', 14)
    expect(accepted.status).toBe(201)
  })

  it('renders thrown AppErrors and unknown routes as problem+json 404', async () => {
    const app = buildApp()
    const missing = await app.request('/api/demo/missing')
    expect(missing.status).toBe(404)
    expect((await body(missing)).detail).toBe('No such thing.')
    const unknown = await app.request('/api/demo/nowhere')
    expect(unknown.status).toBe(404)
    expect((await body(unknown)).code).toBe('not-found')
  })

  it('hides the internals of an unexpected error behind a 500', async () => {
    const res = await buildApp().request('/api/demo/boom', {
      headers: { 'x-request-id': 'req-123' },
    })
    expect(res.status).toBe(500)
    const text = await res.text()
    expect(text).not.toContain('secret internals')
    expect(text).toContain('req-123')
  })

  it('passes on a sane request id and replaces an unsafe one', async () => {
    const app = buildApp()
    const kept = await app.request('/api/demo/health', { headers: { 'x-request-id': 'abc-1' } })
    expect(kept.headers.get('x-request-id')).toBe('abc-1')
    const replaced = await app.request('/api/demo/health', {
      headers: { 'x-request-id': 'bad id\u0001' },
    })
    expect(replaced.headers.get('x-request-id')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    )
  })

  it('serves health and the OpenAPI document under the prefix', async () => {
    const app = buildApp()
    expect(await body(await app.request('/api/demo/health'))).toMatchObject({
      status: 'ok',
      service: 'demo',
    })
    const doc = await body(await app.request('/api/demo/openapi.json'))
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toContain('/api/demo/things')
  })
})

describe('text with a NUL character', () => {
  it('answers 422 naming the field for a NUL in a JSON string, which PostgreSQL cannot store', async () => {
    const res = await post('{"name":"ab\\u0000cd"}')
    expect(res.status).toBe(422)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(await body(res)).toMatchObject({ code: 'validation-failed', errors: [{ path: 'name' }] })
  })

  it('answers 422 for a NUL in the query string', async () => {
    const res = await buildApp().request('/api/demo/missing?q=a%00b')
    expect(res.status).toBe(422)
  })

  it('still takes an escaped backslash followed by u0000 as plain text', async () => {
    const res = await post('{"name":"ab\\\\u0000cd"}')
    expect(res.status).toBe(201)
  })
})

describe('request metrics', () => {
  async function requestSeries(registry: Registry) {
    const metric = await registry.getSingleMetricAsString('http_request_duration_seconds')
    return metric
      .split('\n')
      .filter((line) => line.startsWith('http_request_duration_seconds_count'))
  }

  it('counts requests by method, matched route pattern and status, never by raw path', async () => {
    const registry = new Registry()
    const app = buildApp(registry)
    await app.request('/api/demo/things/1')
    await app.request('/api/demo/things/2')
    await app.request('/api/demo/boom')
    await app.request('/api/demo/nowhere/42')
    expect(await requestSeries(registry)).toEqual(
      expect.arrayContaining([
        'http_request_duration_seconds_count{method="GET",route="/api/demo/things/:id",status="200"} 2',
        'http_request_duration_seconds_count{method="GET",route="/api/demo/boom",status="500"} 1',
        'http_request_duration_seconds_count{method="GET",route="/*",status="404"} 1',
      ]),
    )
    expect((await requestSeries(registry)).join('\n')).not.toMatch(/things\/1|nowhere/)
  })

  it('are not served by the API app, only by the metrics app', async () => {
    const registry = new Registry()
    const app = buildApp(registry)
    expect((await app.request('/metrics')).status).toBe(404)
    expect((await app.request('/api/demo/metrics')).status).toBe(404)
    const scrape = await createMetricsApp(registry).request('/metrics')
    expect(scrape.status).toBe(200)
    expect(scrape.headers.get('content-type')).toContain('text/plain')
    expect(await scrape.text()).toContain('http_request_duration_seconds_bucket')
  })
})
