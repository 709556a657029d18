import { Agent, request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

/** One HTTP request the generator sends. */
export interface Call {
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  /** Which kind of request this is, for a mix (reported separately). */
  kind?: string
}

/** What happened to one request. */
export interface Outcome {
  kind: string
  /** When it was due, in ms since the run started (open loop) or when it was sent (closed loop). */
  scheduledAt: number
  /** From `scheduledAt` to the end of the response, so queueing in the generator counts too. */
  latencyMs: number
  status: number
}

export interface Run {
  outcomes: Outcome[]
  durationMs: number
}

/**
 * A keep-alive client to one origin that sends `Call`s and drains their responses. The load
 * loops discard the bodies unread (`readBody` false): buffering a page of posts per request made
 * the generator's own major GCs (13–17 ms, every few seconds in the mix) show up as latency
 * across every kind of request at once.
 */
export function createClient(baseUrl: string, maxSockets: number) {
  const origin = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
  function send(call: Call, readBody = true): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      const req = request(
        {
          agent,
          host: origin.hostname,
          port: origin.port,
          method: call.method,
          path: call.path,
          headers: {
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...call.headers,
          },
        },
        (res) => {
          if (!readBody) {
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: '' }))
            res.on('error', () => resolve({ status: 0, body: '' }))
            res.resume()
            return
          }
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          )
          res.on('error', () => resolve({ status: 0, body: '' }))
        },
      )
      // A refused or reset connection is an outcome to count, not a crash of the benchmark.
      req.on('error', () => resolve({ status: 0, body: '' }))
      req.end(call.body)
    })
  }
  return { send, close: () => agent.destroy() }
}

export type Client = ReturnType<typeof createClient>

/**
 * Sends `rate` requests a second for `durationMs`, each at its own scheduled time whether or not
 * earlier ones have answered (an open loop: a stalled server cannot slow the generator down and so
 * hide its stall). Latency counts from the scheduled time, not from when the request left.
 */
export async function openLoop(
  client: Client,
  options: { rate: number; durationMs: number; next: (index: number) => Call },
): Promise<Run> {
  const { rate, durationMs, next } = options
  const total = Math.floor((rate * durationMs) / 1000)
  const outcomes: Outcome[] = new Array<Outcome>()
  const pending: Promise<void>[] = []
  const start = performance.now()
  let index = 0
  while (index < total) {
    const now = performance.now() - start
    while (index < total && (index * 1000) / rate <= now) {
      const scheduledAt = (index * 1000) / rate
      const call = next(index)
      pending.push(
        client.send(call, false).then(({ status }) => {
          outcomes.push({
            kind: call.kind ?? call.path,
            scheduledAt,
            latencyMs: performance.now() - start - scheduledAt,
            status,
          })
        }),
      )
      index += 1
    }
    await sleep(1)
  }
  await Promise.all(pending)
  return { outcomes, durationMs: performance.now() - start }
}

/**
 * `connections` workers each send the next request as soon as the last one answered, for
 * `durationMs`: the most the server does at that concurrency (a closed loop, for throughput).
 */
export async function closedLoop(
  client: Client,
  options: { connections: number; durationMs: number; next: (index: number) => Call },
): Promise<Run> {
  const { connections, durationMs, next } = options
  const outcomes: Outcome[] = []
  const start = performance.now()
  let index = 0
  async function worker(): Promise<void> {
    while (performance.now() - start < durationMs) {
      const call = next(index++)
      const sentAt = performance.now() - start
      const { status } = await client.send(call, false)
      outcomes.push({
        kind: call.kind ?? call.path,
        scheduledAt: sentAt,
        latencyMs: performance.now() - start - sentAt,
        status,
      })
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  return { outcomes, durationMs: performance.now() - start }
}

/** Requests per second that answered 2xx. */
export function throughput(run: Run): number {
  const ok = run.outcomes.filter((outcome) => outcome.status >= 200 && outcome.status < 300)
  return (ok.length * 1000) / run.durationMs
}
