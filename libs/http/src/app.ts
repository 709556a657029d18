import {
  type FieldError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@chatty/domain'
import { createLogger, withLogContext } from '@chatty/logger'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Registry } from 'prom-client'

import type { AppEnv } from './env.js'
import { problemResponse, toAppError } from './errors.js'
import { createRequestTimer } from './metrics.js'
import { createRouter } from './router.js'

export type DependencyState = 'ok' | 'degraded' | 'down'

export interface ServiceAppOptions {
  service: string
  /** Public path prefixes this service answers under, e.g. ['/api/auth', '/api/users']. */
  prefixes: readonly string[]
  /** Reports the state of each dependency; used by /health and /ready. */
  checkDependencies?: () => Promise<Record<string, DependencyState>>
  trustProxy?: boolean
  bodyLimitBytes?: number
  /**
   * Paths whose route reads a non-JSON body itself, streamed and limited there (an upload): the
   * body limit and the JSON-only check leave them alone.
   */
  streamedBodyPaths?: readonly string[]
  version?: string
  /**
   * Where request durations are recorded: the service core's registry (`ctx.metrics.registry`),
   * served on the metrics port, never by this app.
   */
  metrics: Registry
}

/**
 * The largest request body a service reads unless it says otherwise. The gateway refuses bigger
 * ones itself (API_BODY_LIMIT in infra/stack/src/nginx.ts), so keep the two equal.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024

const REQUEST_ID = /^[\w.:-]{1,128}$/
const accessLog = createLogger('http')

function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-real-ip') ?? c.req.header('x-forwarded-for')?.split(',')[0]
    if (forwarded?.trim()) return forwarded.trim()
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * Where a JSON value holds a string with a NUL character. JSON allows one (`\u0000`), but
 * PostgreSQL text cannot store it, so it is refused as invalid input instead of failing later.
 */
function nulCharacterPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || '(body)' : undefined
  if (typeof value !== 'object' || value === null) return undefined
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\0')) return path || '(body)'
    const found = nulCharacterPath(item, path ? `${path}.${key}` : key)
    if (found) return found
  }
  return undefined
}

function nulCharacterError(paths: string[]): ValidationError {
  const errors: FieldError[] = paths.map((path) => ({
    path,
    message: 'Text may not contain the NUL character.',
  }))
  return new ValidationError(errors)
}

function isJsonMediaType(contentType: string): boolean {
  return /^application\/([\w.-]+\+)?json$/i.test(contentType.split(';')[0]?.trim() ?? '')
}

/**
 * How a request's body is framed (RFC 9112 §6.3): chunked, or the length it declares (0 for none).
 * Read from the headers where they say: asking the Node adapter for the body makes it build a whole
 * web Request, 2 % of a post's CPU in the posts service. A body with neither header (a Request made
 * in-process) has no length to trust and is counted as it is read, as a chunked one.
 */
function bodyFraming(c: Context<AppEnv>): 'chunked' | number {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return 0
  if (c.req.header('transfer-encoding') !== undefined) return 'chunked'
  const length = c.req.header('content-length')
  if (length !== undefined) return Number(length)
  return c.req.raw.body === null ? 0 : 'chunked'
}

/**
 * The application shell every service shares: request ids, access log, body limit, JSON-only
 * bodies, problem+json errors, health/readiness and the OpenAPI document. Routes are mounted on it.
 */
export function createServiceApp(options: ServiceAppOptions): OpenAPIHono<AppEnv> {
  const app = createRouter()
  const trustProxy = options.trustProxy ?? false
  const [mainPrefix] = options.prefixes
  if (mainPrefix === undefined) throw new Error('a service needs at least one path prefix')
  const timeRequest = createRequestTimer(options.metrics)

  app.use(async (c, next) => {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
    c.set('requestId', requestId)
    c.set('clientIp', clientIp(c, trustProxy))
    c.set('user', undefined)
    // Set before the route answers, so the response is built with it; setting a header on a
    // finished response makes the Node adapter build a second, web Response (3 % of a feed read).
    c.header('X-Request-Id', requestId)
    const started = performance.now()
    await withLogContext({ requestId, correlationId: requestId }, async () => {
      c.set('logger', accessLog)
      await next()
      // A route or error handler that answers a Response of its own has not got it yet.
      if (!c.res.headers.has('X-Request-Id')) c.header('X-Request-Id', requestId)
      timeRequest(c, started)
      accessLog.info(
        {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      )
    })
  })

  const maxBodyBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES
  // The rest of the body is never read, so the connection cannot carry another request: closing
  // it tells a proxy (nginx) not to put it back into its keep-alive pool.
  const tooLarge = () =>
    problemResponse(new PayloadTooLargeError().toProblem(), { Connection: 'close' })
  // A chunked body has no length to check beforehand: it is counted as it is read.
  const limitChunkedBody = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge })
  const streamedBodyPaths = new Set(options.streamedBodyPaths ?? [])
  app.use(async (c, next) => {
    if (streamedBodyPaths.has(c.req.path)) return next()
    const framing = bodyFraming(c)
    if (framing === 'chunked') return limitChunkedBody(c, next)
    return framing > maxBodyBytes ? tooLarge() : next()
  })

  app.use(async (c, next) => {
    if (streamedBodyPaths.has(c.req.path)) return next()
    const contentType = c.req.header('content-type')
    // Only a body the client declares must be JSON: a bodiless POST may carry neither header
    // (curl -X POST), which the Node adapter still answers with an empty body stream.
    const declaresBody =
      Number(c.req.header('content-length') ?? 0) > 0 ||
      c.req.header('transfer-encoding') !== undefined
    const query = new URL(c.req.url).search
    if (/%00/.test(query)) throw nulCharacterError(['query'])
    if (declaresBody && ['POST', 'PUT', 'PATCH'].includes(c.req.method)) {
      if (!contentType || !isJsonMediaType(contentType)) throw new UnsupportedMediaTypeError()
    }
    if (bodyFraming(c) !== 0 && contentType && isJsonMediaType(contentType)) {
      // Cached by Hono, so the route's validator reads the same text again without a second read.
      const text = await c.req.text()
      if (text.includes('u0000')) {
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          parsed = undefined // malformed JSON is the validator's 400
        }
        const path = nulCharacterPath(parsed)
        if (path) throw nulCharacterError([path])
      }
    }
    await next()
  })

  app.onError((error, c) => {
    const appError = toAppError(error)
    if (appError) {
      if (appError.status === 503) accessLog.warn({ err: error }, 'dependency unavailable')
      return problemResponse(appError.toProblem(), appError.headers)
    }
    accessLog.error({ err: error, path: c.req.path }, 'unhandled error')
    return problemResponse({
      type: '/problems/internal-error',
      code: 'internal-error',
      title: 'Internal Server Error',
      status: 500,
      detail: `Something went wrong on our side. Request id: ${c.get('requestId') ?? 'unknown'}.`,
    })
  })

  app.notFound((c) => {
    const problem = new NotFoundError(`No route for ${c.req.method} ${c.req.path}.`).toProblem()
    return problemResponse(problem)
  })

  const checks = options.checkDependencies ?? (async () => ({}))
  for (const prefix of options.prefixes) {
    app.get(`${prefix}/health`, async (c) => {
      const states = await checks()
      const degraded = Object.values(states).some((state) => state !== 'ok')
      return c.json({
        status: degraded ? 'degraded' : 'ok',
        service: options.service,
        dependencies: states,
      })
    })
  }
  app.get(`${mainPrefix}/ready`, async (c) => {
    const states = await checks()
    const down = Object.values(states).some((state) => state === 'down')
    return c.json({ status: down ? 'down' : 'ok', dependencies: states }, down ? 503 : 200)
  })

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  })
  app.doc31(`${mainPrefix}/openapi.json`, {
    openapi: '3.1.0',
    info: { title: `Chatty ${options.service} API`, version: options.version ?? '1.0.0' },
  })
  return app
}
