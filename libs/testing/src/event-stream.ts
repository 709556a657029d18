/** One server-sent event: its name and its data parsed as JSON; comment lines are `comment`. */
export interface ServerSentEvent {
  event: string
  data: unknown
}

/** A text/event-stream response body as it is read: every event so far, and the wait for more. */
export interface EventStreamReader {
  /** Every event received so far, comments (heartbeats) as `{ event: 'comment' }`. */
  events: ServerSentEvent[]
  /** The first event (not yet taken by an earlier `next`) that matches, waiting up to `timeoutMs`. */
  next(match: (event: ServerSentEvent) => boolean, timeoutMs?: number): Promise<ServerSentEvent>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close(): Promise<void>
}

/** Parses a text/event-stream body as it arrives (data lines are JSON). */
export function readEventStream(body: ReadableStream<Uint8Array>): EventStreamReader {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const events: ServerSentEvent[] = []
  const taken = new Set<ServerSentEvent>()
  const waiters = new Set<() => void>()
  let buffer = ''
  let closed = false

  const parse = (block: string) => {
    if (block.startsWith(':')) return { event: 'comment', data: block.slice(1).trim() }
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
    }
    return { event, data: data.length > 0 ? (JSON.parse(data.join('\n')) as unknown) : null }
  }

  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        buffer += decoder.decode(value, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          events.push(parse(buffer.slice(0, end)))
          buffer = buffer.slice(end + 2)
          for (const wake of waiters) wake()
        }
      }
    } catch {
      // cancelled by close()
    } finally {
      closed = true
      for (const wake of waiters) wake()
    }
  })()

  return {
    events,
    ended,
    next: (match, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((event) => !taken.has(event) && match(event))
          if (found) {
            taken.add(found)
            done()
            resolve(found)
          } else if (closed) {
            done()
            reject(new Error('the event stream ended before the expected event'))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`no matching event within ${timeoutMs} ms`))
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      }),
    close: async () => {
      await reader.cancel().catch(() => undefined)
      await ended
    },
  }
}
