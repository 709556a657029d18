import nodemailer from 'nodemailer'

import type { SmtpConfig } from './config.js'
import type { RenderedEmail } from './domain/templates.js'

export interface OutgoingEmail extends RenderedEmail {
  emailId: string
  to: string
}

export interface Mailer {
  /** Resolves once the SMTP server has accepted the message; rejects with a {@link SmtpError}. */
  send(email: OutgoingEmail): Promise<{ messageId: string }>
  /** Closes the pooled connections; later sends fail. Idempotent. */
  close(): void
}

/** An SMTP failure; `permanent` when the server refused the message for good (5xx). */
export class SmtpError extends Error {
  override name = 'SmtpError'
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** One pooled nodemailer transport for the process. */
export function createMailer(options: {
  smtp: SmtpConfig
  from: string
  maxConnections: number
}): Mailer {
  const { smtp, from } = options
  const transport = nodemailer.createTransport({
    url: smtp.url,
    pool: true,
    maxConnections: options.maxConnections,
    connectionTimeout: smtp.connectionTimeoutMs,
    greetingTimeout: smtp.greetingTimeoutMs,
    socketTimeout: smtp.socketTimeoutMs,
    // One quiet requeue covers a pooled connection the server dropped while idle; anything
    // beyond that is the consumer's retry, through its wait queues.
    maxRequeues: 1,
  })
  const domain = addressDomain(from)
  let closed = false
  return {
    async send(email) {
      try {
        const info = await transport.sendMail({
          from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          // Stable per email, so a rare second copy (see consumers/send-email.ts) is recognisably the same message.
          messageId: `<${email.emailId}@${domain}>`,
          headers: { 'X-Chatty-Email-Id': email.emailId },
        })
        return { messageId: info.messageId }
      } catch (error) {
        const failure = error as Error & { permanent?: boolean; response?: string }
        const message = failure.response ?? failure.message
        throw new SmtpError(message, failure.permanent === true, { cause: error })
      }
    },
    close() {
      if (closed) return
      closed = true
      transport.close()
    },
  }
}

function addressDomain(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from
  return address.slice(address.lastIndexOf('@') + 1).trim()
}
