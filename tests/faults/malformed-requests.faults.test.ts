import { expect, it } from 'vitest'

import { loginAdmin } from '../e2e/support/admin.js'
import { baseUrl } from '../e2e/support/api.js'
import { countStatuses } from './support/traffic.js'

interface Operation {
  method: string
  path: string
  /** The top-level properties of its JSON body (none when it takes none); undefined for GET. */
  bodyProperties: string[] | undefined
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>
  >
  components?: { schemas?: Record<string, Schema> }
}

interface Schema {
  $ref?: string
  properties?: Record<string, unknown>
}

const DOCUMENTS = ['/api/auth', '/api/posts', '/api/subscriptions', '/api/admin']
const METHODS = ['get', 'post', 'put', 'patch', 'delete']

async function operationsOf(prefix: string): Promise<Operation[]> {
  const response = await fetch(`${baseUrl}${prefix}/openapi.json`)
  expect(response.status).toBe(200)
  const document = (await response.json()) as OpenApiDocument
  const resolve = (schema: Schema | undefined) =>
    schema?.$ref ? document.components?.schemas?.[schema.$ref.split('/').at(-1) as string] : schema
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => {
        const schema = resolve(operation.requestBody?.content?.['application/json']?.schema)
        return {
          method: method.toUpperCase(),
          path,
          bodyProperties: method === 'get' ? undefined : Object.keys(schema?.properties ?? {}),
        }
      }),
  )
}

interface Attempt {
  variant: string
  path: string
  body?: string | Buffer
}

const JUNK_PARAMETERS = ['junk', '%00', '%FF%FE', 'x'.repeat(1_000)]
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`

function bodiesFor(properties: readonly string[]): Record<string, string | Buffer> {
  const fill = (value: unknown) =>
    JSON.stringify(Object.fromEntries(properties.map((name) => [name, value])))
  const text = (inside: string | Buffer) =>
    Buffer.concat([
      Buffer.from(`{"${properties[0] ?? 'text'}":"`),
      Buffer.from(inside),
      Buffer.from('"}'),
    ])
  return {
    truncated: fill('abc').slice(0, -1),
    'wrong types': fill([[1], { n: 1 }]),
    'numbers for everything': fill(12345),
    'an array': '[1,2,3]',
    'a bare string': '"body"',
    'huge strings': fill('x'.repeat(100_000)),
    'nested 10 000 deep': deep(10_000),
    'arrays nested 10 000 deep': `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    '__proto__ keys': JSON.stringify({
      ...JSON.parse(fill('x')),
      constructor: { prototype: { role: 'admin' } },
    }).replace('{', '{"__proto__":{"role":"admin","isAdmin":true},'),
    'invalid UTF-8': text(Buffer.from([0xff, 0xfe, 0xc3, 0x28])),
    'escaped NUL': fill('nul\u0000byte'),
    'raw NUL byte': text('nul\u0000byte'),
    '1 MB': fill('x'.repeat(1_100_000)),
  }
}

function attemptsFor(operation: Operation): Attempt[] {
  const parameters = [...operation.path.matchAll(/\{\w+\}/g)]
  const paths = parameters.length
    ? JUNK_PARAMETERS.map((junk) => operation.path.replaceAll(/\{\w+\}/g, junk))
    : [operation.path, `${operation.path}%00`, `${operation.path}/%FF`]
  const attempts: Attempt[] = paths.map((path) => ({ variant: 'junk path', path }))
  if (operation.method === 'GET') {
    const forged = Buffer.from('{"createdAt":"not a date","id":"\'; drop table"}').toString(
      'base64url',
    )
    for (const query of [
      'limit=-1',
      'limit=abc',
      'limit=1e9',
      `cursor=${forged}`,
      'cursor=%00',
      'cursor=%FF',
    ]) {
      attempts.push({ variant: query.split('=')[0] as string, path: `${paths[0]}?${query}` })
    }
  }
  if (operation.bodyProperties) {
    for (const [variant, body] of Object.entries(bodiesFor(operation.bodyProperties))) {
      attempts.push({ variant, path: paths[0] as string, body })
    }
  }
  return attempts
}

it('answers every malformed request with a problem, never a 5xx', async () => {
  const operations = (await Promise.all(DOCUMENTS.map(operationsOf))).flat()
  // logout-all ends the admin's sessions: it goes last so the other routes see a valid token.
  operations.sort(
    (a, b) => Number(a.path.endsWith('logout-all')) - Number(b.path.endsWith('logout-all')),
  )
  const token = await loginAdmin()
  const statuses: number[] = []
  const failures: string[] = []
  const accepted: string[] = []

  const send = async (operation: Operation, attempt: Attempt) => {
    const label = `${operation.method} ${attempt.path.slice(0, 80)} [${attempt.variant}]`
    try {
      const response = await fetch(`${baseUrl}${attempt.path}`, {
        method: operation.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(attempt.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: attempt.body,
      })
      const text = await response.text()
      statuses.push(response.status)
      if (response.status < 400) {
        if (attempt.body !== undefined) accepted.push(`${label} → ${response.status}`)
        return
      }
      const contentType = response.headers.get('content-type') ?? ''
      let problemStatus: unknown
      try {
        problemStatus = (JSON.parse(text) as { status?: unknown }).status
      } catch {
        problemStatus = undefined
      }
      if (
        response.status >= 500 ||
        !contentType.startsWith('application/problem+json') ||
        problemStatus !== response.status
      ) {
        failures.push(
          `${label} → ${response.status} ${contentType} ${text.slice(0, 100).replaceAll('\n', ' ')}`,
        )
      }
    } catch (error) {
      failures.push(`${label} → ${String((error as Error).cause ?? error)}`)
    }
  }

  const queue = operations.flatMap((operation) =>
    attemptsFor(operation).map((attempt) => ({ operation, attempt })),
  )
  const started = Date.now()
  for (let index = 0; index < queue.length; index += 8) {
    await Promise.all(
      queue.slice(index, index + 8).map(({ operation, attempt }) => send(operation, attempt)),
    )
  }
  console.log(
    `[faults] malformed burst: ${queue.length} requests over ${operations.length} operations in ${Date.now() - started} ms, statuses ${JSON.stringify(countStatuses(statuses))}, ${failures.length} failures`,
  )
  for (const body of accepted) console.log(`[faults]   accepted: ${body}`)
  for (const failure of failures.slice(0, 30)) console.log(`[faults]   ${failure}`)
  expect(failures).toEqual([])
})
