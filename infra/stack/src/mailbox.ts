import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { createSmtpSink, type MailAddress, type SinkMessage } from '@chatty/testing'

export interface MailboxOptions {
  smtpPort: number
  httpPort: number
  host?: string
  maxMessages?: number
  log?: (line: string) => void
}

export interface Mailbox {
  smtpPort: number
  httpPort: number
  close(): Promise<void>
}

interface MailpitAddress {
  Name: string
  Address: string
}

function mailpitAddress(address: MailAddress): MailpitAddress {
  return { Name: address.name, Address: address.address }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 250 ? `${flat.slice(0, 250)}...` : flat
}

function summary(message: SinkMessage) {
  return {
    ID: message.id,
    MessageID: message.messageId ?? '',
    Read: false,
    From: message.from ? mailpitAddress(message.from) : { Name: '', Address: '' },
    To: message.to.map(mailpitAddress),
    Cc: message.cc.map(mailpitAddress),
    Bcc: [],
    ReplyTo: [],
    Subject: message.subject,
    Created: message.receivedAt.toISOString(),
    Tags: [],
    Size: message.size,
    Attachments: 0,
    Snippet: snippet(message.text),
  }
}

function detail(message: SinkMessage) {
  return {
    ID: message.id,
    MessageID: message.messageId ?? '',
    From: message.from ? mailpitAddress(message.from) : { Name: '', Address: '' },
    To: message.to.map(mailpitAddress),
    Cc: message.cc.map(mailpitAddress),
    Bcc: [],
    ReplyTo: [],
    ReturnPath: message.envelope.from ?? '',
    Subject: message.subject,
    Date: message.date.toISOString(),
    Tags: [],
    Text: message.text,
    HTML: message.html ?? '',
    Size: message.size,
    Inline: [],
    Attachments: [],
  }
}

type Term = { field: 'to' | 'from' | 'subject' | 'any'; value: string; negated: boolean }

/** Parses the subset of Mailpit's search syntax the tests and people use: to:, from:, subject:, words. */
export function parseSearch(query: string): Term[] {
  const terms: Term[] = []
  for (const match of query.matchAll(/([!-]?)(?:(to|from|subject):)?(?:"([^"]*)"|(\S+))/gi)) {
    const value = (match[3] ?? match[4] ?? '').toLowerCase()
    if (!value) continue
    const field = (match[2]?.toLowerCase() ?? 'any') as Term['field']
    terms.push({ field, value, negated: match[1] !== '' })
  }
  return terms
}

function matchesTerm(message: SinkMessage, term: Term): boolean {
  const recipients = [...message.to, ...message.cc]
    .flatMap((address) => [address.address, address.name])
    .concat(message.envelope.to)
  const sender = message.from ? [message.from.address, message.from.name] : []
  const haystack = {
    to: recipients,
    from: sender,
    subject: [message.subject],
    any: [...recipients, ...sender, message.subject, message.text],
  }[term.field]
  const found = haystack.some((text) => text.toLowerCase().includes(term.value))
  return term.negated ? !found : found
}

export function searchMessages(messages: readonly SinkMessage[], query: string): SinkMessage[] {
  const terms = parseSearch(query)
  return messages.filter((message) => terms.every((term) => matchesTerm(message, term)))
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

function formatAddress(address: MailAddress): string {
  return address.name ? `${address.name} <${address.address}>` : address.address
}

/** The page a developer opens to read the mail the stack sent. */
export function renderMailboxPage(newestFirst: readonly SinkMessage[]): string {
  const rows = newestFirst
    .map(
      (message) => `<details>
  <summary><b>${escapeHtml(message.subject || '(no subject)')}</b> to ${escapeHtml(message.to.map(formatAddress).join(', '))}
    <small>from ${escapeHtml(message.from ? formatAddress(message.from) : '?')}, ${escapeHtml(message.receivedAt.toISOString())}</small></summary>
  <pre>${escapeHtml(message.text)}</pre>
  <p><a href="/api/v1/message/${encodeURIComponent(message.id)}">JSON</a></p>
</details>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chatty dev mailbox</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
details { border-bottom: 1px solid #ddd; padding: 0.5rem 0; }
pre { white-space: pre-wrap; background: #f6f8fa; padding: 0.75rem; }
small { color: #555; }
</style>
</head>
<body>
<h1>Chatty dev mailbox</h1>
<p>${newestFirst.length} message(s), newest first. Mailpit-compatible API under <code>/api/v1</code>.
<button onclick="fetch('/api/v1/messages', { method: 'DELETE' }).then(() => location.reload())">Delete all</button></p>
${rows || '<p>No mail yet.</p>'}
</body>
</html>
`
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(body))
}

function sendText(
  response: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain',
): void {
  response.writeHead(status, { 'content-type': `${type}; charset=utf-8` })
  response.end(body)
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function listBody(page: SinkMessage[], total: number, start: number) {
  return {
    total,
    unread: total,
    count: page.length,
    messages_count: total,
    messages_unread: total,
    start,
    tags: [],
    messages: page.map(summary),
  }
}

function paginate(url: URL, messages: SinkMessage[]) {
  const start = Math.max(0, Number.parseInt(url.searchParams.get('start') ?? '0', 10) || 0)
  const limit = Math.max(1, Number.parseInt(url.searchParams.get('limit') ?? '50', 10) || 50)
  return listBody(messages.slice(start, start + limit), messages.length, start)
}

/**
 * The development mail server: SMTP in, and the part of Mailpit's HTTP API the e2e tests use, so
 * the same tests run against real Mailpit in docker-compose.
 */
export async function startMailbox(options: MailboxOptions): Promise<Mailbox> {
  const host = options.host ?? '127.0.0.1'
  const sink = await createSmtpSink({
    port: options.smtpPort,
    host,
    maxMessages: options.maxMessages ?? 1_000,
    onMessage: (message) =>
      options.log?.(
        `mail to ${message.to.map((to) => to.address).join(', ')}: ${JSON.stringify(message.subject)}`,
      ),
  })
  const newestFirst = () => sink.messages().reverse()

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://mailbox')
    const route = `${request.method ?? 'GET'} ${url.pathname}`
    const messageMatch = /^\/api\/v1\/message\/([^/]+)$/.exec(url.pathname)

    if (route === 'GET /api/v1/messages') {
      return sendJson(response, 200, paginate(url, newestFirst()))
    }
    if (route === 'GET /api/v1/search') {
      return sendJson(
        response,
        200,
        paginate(url, searchMessages(newestFirst(), url.searchParams.get('query') ?? '')),
      )
    }
    if (route === 'DELETE /api/v1/messages') {
      readBody(request)
        .then((text) => {
          const ids = text.trim() ? (JSON.parse(text) as { IDs?: string[] }).IDs : undefined
          if (ids && ids.length > 0) sink.remove(ids)
          else sink.clear()
          sendText(response, 200, 'ok')
        })
        .catch(() => sendText(response, 400, 'invalid JSON body\n'))
      return
    }
    if (request.method === 'GET' && messageMatch) {
      let id: string
      try {
        id = decodeURIComponent(messageMatch[1] as string)
      } catch {
        return sendText(response, 400, 'malformed message id\n')
      }
      const messages = newestFirst()
      const message = id === 'latest' ? messages[0] : messages.find((m) => m.id === id)
      if (!message) return sendText(response, 404, 'message not found\n')
      return sendJson(response, 200, detail(message))
    }
    if (route === 'GET /livez' || route === 'GET /readyz') return sendText(response, 200, 'ok')
    if (route === 'GET /') {
      return sendText(response, 200, renderMailboxPage(newestFirst()), 'text/html')
    }
    sendText(response, 404, 'not found\n')
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.httpPort, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    await sink.close()
    throw error
  }

  let closing: Promise<void> | undefined
  return {
    smtpPort: sink.port,
    httpPort: (server.address() as AddressInfo).port,
    close() {
      closing ??= Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
        sink.close(),
      ]).then(() => undefined)
      return closing
    },
  }
}
