/**
 * Memory per open notification stream. Starts the built notifications service (apps/notifications
 * /dist/main.js) as its own process on a throwaway database, broker prefix and port, serves it a
 * JWKS of a test issuer, opens STREAMS streams (1 000 by default) of distinct users, waits until
 * each has its first event, and reports how much the service's resident memory grew per stream;
 * then as many again, for what one more stream costs once the heap has grown.
 *
 *   npm run bench:sse            (STREAMS=2000 npm run bench:sse for more)
 *
 * Needs the PostgreSQL, Redis and RabbitMQ of the local stack. A figure, not a test.
 */
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

import { databaseUrl, dropDatabase, ensureDatabase } from '@chatty/db'
import { REVOCATION_OWNERS, revocationKeys } from '@chatty/http'
import { removePrefixedTopology } from '@chatty/messaging'
import { createTestIssuer, eventually, freePort } from '@chatty/testing'
import { Redis } from 'ioredis'

const streams = Number(process.env.STREAMS ?? 1_000)
const serverUrl = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const suffix = randomBytes(4).toString('hex')
const dbUrl = databaseUrl(serverUrl, `chatty_bench_notifications_${suffix}`)
const prefix = `bench${suffix}.`

/** Resident memory of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m)
  if (!line?.[1]) throw new Error('cannot read VmRSS')
  return Number(line[1]) * 1024
}

/** Opens one stream; resolves once its first event (the unread count) has arrived. */
function openStream(port: number, token: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/api/notifications/stream',
        headers: { authorization: `Bearer ${token}` },
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream answered ${res.statusCode}`))
          res.resume()
          return
        }
        res.once('data', () => resolve(() => req.destroy()))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

async function main(): Promise<void> {
  const issuer = await createTestIssuer()
  const jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(issuer.jwks))
  }).listen(0, '127.0.0.1')
  await new Promise((resolve) => jwks.once('listening', resolve))
  const jwksPort = (jwks.address() as AddressInfo).port

  const redis = new Redis(redisUrl)
  // As the test harness does: no auth or admin runs here to restore their revocation marks.
  for (const owner of REVOCATION_OWNERS) {
    await redis.set(revocationKeys.complete(owner), 'bench')
  }
  await ensureDatabase(dbUrl)
  const port = await freePort()
  const service = spawn(process.execPath, ['apps/notifications/dist/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      NOTIFICATIONS_DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      AMQP_URL: amqpUrl,
      MESSAGING_PREFIX: prefix,
      AUTH_JWKS_URL: `http://127.0.0.1:${jwksPort}/jwks.json`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const pid = service.pid
  if (pid === undefined) throw new Error('the service did not start')
  const closers: (() => void)[] = []
  try {
    await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/notifications/health`)
      if (!res.ok) throw new Error('not up yet')
    }, 30_000)
    const tokens = await Promise.all(
      Array.from({ length: 2 * streams + 20 }, (_, index) =>
        issuer.sign({ id: randomUUID(), username: `bench${index}` }, { ttlSeconds: 3_600 }),
      ),
    )
    const openAll = async (batch: string[]) => {
      for (let index = 0; index < batch.length; index += 100) {
        const opened = batch.slice(index, index + 100).map((token) => openStream(port, token))
        closers.push(...(await Promise.all(opened)))
      }
    }
    // Warm up (JIT, pools, the subscriber connection), then measure from a settled baseline.
    const warm = await Promise.all(tokens.slice(0, 20).map((token) => openStream(port, token)))
    for (const close of warm) close()
    await sleep(2_000)
    const before = rssBytes(pid)
    const started = performance.now()
    await openAll(tokens.slice(20, 20 + streams))
    const openMs = performance.now() - started
    await sleep(2_000)
    const afterFirst = rssBytes(pid)
    // A second batch as large: what one more stream costs once the heap has grown to hold them.
    await openAll(tokens.slice(20 + streams))
    await sleep(2_000)
    const afterSecond = rssBytes(pid)
    const kib = (bytes: number) => +(bytes / 1024).toFixed(1)
    console.log(
      JSON.stringify(
        {
          streams,
          openedInMs: Math.round(openMs),
          serviceRssBeforeMiB: +(before / 2 ** 20).toFixed(1),
          serviceRssWithStreamsMiB: +(afterFirst / 2 ** 20).toFixed(1),
          rssPerStreamKiB: kib((afterFirst - before) / streams),
          rssPerStreamKiBForTheNext: kib((afterSecond - afterFirst) / streams),
        },
        null,
        2,
      ),
    )
  } finally {
    for (const close of closers) close()
    service.kill('SIGTERM')
    await new Promise((resolve) => service.once('exit', resolve))
    jwks.close()
    redis.disconnect()
    await removePrefixedTopology(amqpUrl, prefix)
    await dropDatabase(dbUrl)
  }
}

await main()
