import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'

import { type AddressObject, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface MailAddress {
  name: string
  address: string
}

/** One message the sink accepted, parsed. */
export interface SinkMessage {
  id: string
  messageId: string | undefined
  from: MailAddress | undefined
  /** The To header; when a message has none, the SMTP envelope recipients. */
  to: MailAddress[]
  cc: MailAddress[]
  /** What the client said in MAIL FROM / RCPT TO, which also covers Bcc recipients. */
  envelope: { from: string | undefined; to: string[] }
  subject: string
  text: string
  html: string | undefined
  date: Date
  receivedAt: Date
  headers: Record<string, string>
  size: number
}

export interface SmtpSinkOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  host?: string
  /** The oldest messages are dropped beyond this many. */
  maxMessages?: number
  onMessage?: (message: SinkMessage) => void
}

export interface SmtpSink {
  port: number
  host: string
  /** Accepted messages, oldest first. */
  messages(): SinkMessage[]
  clear(): void
  /** Deletes the messages with these ids; returns how many it deleted. */
  remove(ids: readonly string[]): number
  close(): Promise<void>
}

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field]
  return objects.flatMap((object) =>
    object.value.flatMap((entry) =>
      // A group ("undisclosed-recipients:;") carries its members, not an address of its own.
      (entry.group ?? [entry]).map((member) => ({
        name: member.name ?? '',
        address: member.address ?? '',
      })),
    ),
  )
}

function headerRecord(lines: ReadonlyArray<{ key: string; line: string }>): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim()
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value
  }
  return headers
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * An SMTP server that accepts every message (any or no credentials, no TLS) and keeps it parsed in
 * memory: the mailbox that tests and the local stack deliver to.
 */
export async function createSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1'
  const maxMessages = options.maxMessages ?? 1_000
  let stored: SinkMessage[] = []

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Close promptly even when a pooling client keeps its connection open.
    closeTimeout: 500,
    banner: 'Chatty dev mailbox',
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anyone' })
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          const parsed = await simpleParser(raw)
          const envelopeTo = session.envelope.rcptTo.map((recipient) => recipient.address)
          const to = addresses(parsed.to)
          const mailFrom = session.envelope.mailFrom
          const message: SinkMessage = {
            id: randomUUID(),
            messageId: parsed.messageId,
            from: addresses(parsed.from)[0],
            to: to.length > 0 ? to : envelopeTo.map((address) => ({ name: '', address })),
            cc: addresses(parsed.cc),
            envelope: { from: mailFrom ? mailFrom.address : undefined, to: envelopeTo },
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html === false ? undefined : parsed.html,
            date: parsed.date ?? new Date(),
            receivedAt: new Date(),
            headers: headerRecord(parsed.headerLines),
            size: raw.length,
          }
          stored.push(message)
          if (stored.length > maxMessages) stored = stored.slice(stored.length - maxMessages)
          options.onMessage?.(message)
          callback()
        })
        .catch((error: unknown) => callback(error as Error))
    },
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // smtp-server logs socket errors itself unless someone listens; a dropped client is not our failure.
  server.on('error', () => undefined)

  const { port } = server.server.address() as AddressInfo
  let closing: Promise<void> | undefined

  return {
    port,
    host,
    messages: () => [...stored],
    clear() {
      stored = []
    },
    remove(ids) {
      const before = stored.length
      stored = stored.filter((message) => !ids.includes(message.id))
      return before - stored.length
    },
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()))
      return closing
    },
  }
}
