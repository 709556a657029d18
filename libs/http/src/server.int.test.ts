import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createServiceApp } from './app.js'
import {
  type RunningServer,
  SERVER_HEADERS_TIMEOUT_MS,
  SERVER_KEEP_ALIVE_TIMEOUT_MS,
  startHttpServer,
} from './server.js'

let server: RunningServer
const sockets: Socket[] = []

beforeAll(async () => {
  const app = createServiceApp({
    service: 'demo',
    prefixes: ['/api/demo'],
    bodyLimitBytes: 1024,
    metrics: new Registry(),
  })
  app.post('/api/demo/things', async (c) => c.json(await c.req.json(), 201))
  server = await startHttpServer(app, { port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await server?.close()
})

/** A raw keep-alive connection: `send` writes a request and resolves with the next response. */
async function openConnection() {
  const socket = connect(server.port, '127.0.0.1')
  sockets.push(socket)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  let received = ''
  let closed = false
  let waiting: (() => void) | undefined
  socket.on('data', (chunk) => {
    received += chunk.toString()
    waiting?.()
  })
  socket.on('close', () => {
    closed = true
    waiting?.()
  })
  return {
    isClosed: () => closed,
    async send(request: string): Promise<string> {
      received = ''
      socket.write(request)
      while (!closed && !/\r\n\r\n[\s\S]*\}$/.test(received)) {
        await new Promise<void>((resolve) => (waiting = resolve))
      }
      return received
    },
  }
}

const post = (body: string, contentLength = Buffer.byteLength(body)) =>
  `POST /api/demo/things HTTP/1.1\r\nHost: demo\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${contentLength}\r\n\r\n${body}`

describe('service HTTP server', () => {
  it('keeps an idle connection open well past the Node default keep-alive timeout', async () => {
    const connection = await openConnection()
    expect(await connection.send(post('{"a":1}'))).toMatch(/^HTTP\/1\.1 201 /)
    // Past Node's default keep-alive timeout (5 s, plus its 1 s keepAliveTimeoutBuffer).
    await sleep(7_000)
    expect(connection.isClosed()).toBe(false)
    const again = await connection.send(post('{"a":2}'))
    expect(again).toMatch(/^HTTP\/1\.1 201 /)
    expect(again).toContain('{"a":2}')
    expect(SERVER_KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000)
    expect(SERVER_HEADERS_TIMEOUT_MS).toBeGreaterThan(SERVER_KEEP_ALIVE_TIMEOUT_MS)
  }, 15_000)

  it('closes the connection after refusing a body it did not read', async () => {
    const connection = await openConnection()
    // Announces more than the limit and sends only the start of it, like a proxy still writing.
    const response = await connection.send(post('{"padding":"', 200_000))
    expect(response).toMatch(/^HTTP\/1\.1 413 /)
    expect(response).toMatch(/\r\nConnection: close\r\n/i)
    expect(response).toContain('"code":"payload-too-large"')
  })

  it('answers a GET that announces a body without reading it, as for one that announces none', async () => {
    const connection = await openConnection()
    const get = (headers: string) => `GET /api/demo/things HTTP/1.1\r\nHost: demo\r\n${headers}\r\n`
    expect(await connection.send(get(''))).toMatch(/^HTTP\/1\.1 404 /)
    const response = await connection.send(get('Content-Length: 200000\r\n'))
    expect(response).toMatch(/^HTTP\/1\.1 404 /)
    expect(response).toContain('"code":"not-found"')
  })
})
