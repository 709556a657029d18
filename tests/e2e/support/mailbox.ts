import { eventually } from '@chatty/testing'

export const mailpitUrl = (process.env.E2E_MAILPIT_URL ?? 'http://127.0.0.1:18025').replace(
  /\/+$/,
  '',
)

/** Mail goes through the outbox, the broker, the email consumer and SMTP before it lands. */
const deliveryTimeoutMs = 20_000

interface MailAddress {
  Name?: string
  Address: string
}

interface MessageSummary {
  ID: string
  Subject: string
  To: MailAddress[]
  Created: string
}

export interface Email {
  ID: string
  Subject: string
  Text: string
  HTML: string
  To: MailAddress[]
  From: MailAddress
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${mailpitUrl}${path}`)
  if (!response.ok) throw new Error(`mailbox answered ${response.status} for ${path}`)
  return (await response.json()) as T
}

function isAddressedTo(message: MessageSummary, address: string): boolean {
  return message.To.some((to) => to.Address.toLowerCase() === address.toLowerCase())
}

/** Messages sent to `address`, newest first. */
export async function listEmails(address: string): Promise<MessageSummary[]> {
  const query = new URLSearchParams({ query: `to:${address}` })
  const { messages } = await getJson<{ messages: MessageSummary[] }>(`/api/v1/search?${query}`)
  return messages.filter((message) => isAddressedTo(message, address))
}

/**
 * Waits for the newest email to `address` that is not one of `seen` (ids of mails already read),
 * so a test can wait for the second email of a kind without mistaking the first for it.
 */
export function waitForEmail(address: string, seen: readonly string[] = []): Promise<Email> {
  return waitForEmailAbout(address, /(?:)/, seen)
}

export interface VerificationEmail {
  code: string
  link: URL
  /** The link exactly as the email spells it. */
  linkText: string
}

/** Reads the code and the verification link out of a verification email's plain text. */
export function readVerificationEmail(email: Email): VerificationEmail {
  const linkText = /https?:\/\/[^\s<>"')\]]+\/verify-email\?[^\s<>"')\]]+/.exec(email.Text)?.[0]
  if (!linkText) throw new Error(`no verification link in email text:\n${email.Text}`)
  const link = new URL(linkText)
  return { code: link.searchParams.get('code') ?? '', link, linkText }
}

/** The `{PUBLIC_URL}/reset-password?token=…` link of a password-reset email. */
export function readResetLink(email: Email): URL {
  const linkText = /https?:\/\/[^\s<>"')\]]+\/reset-password\?[^\s<>"')\]]+/.exec(email.Text)?.[0]
  if (!linkText) throw new Error(`no reset link in email text:\n${email.Text}`)
  return new URL(linkText)
}

/** Reads the token out of a password-reset email's link. */
export function readResetToken(email: Email): string {
  const link = readResetLink(email)
  const token = link.searchParams.get('token')
  if (!token) throw new Error(`the reset link carries no token: ${link.href}`)
  return token
}

/** Waits for the newest email to `address` whose subject matches, skipping the `seen` ones. */
export async function waitForEmailAbout(
  address: string,
  subject: RegExp,
  seen: readonly string[] = [],
): Promise<Email> {
  const summary = await eventually(async () => {
    const fresh = (await listEmails(address)).find(
      (message) => !seen.includes(message.ID) && subject.test(message.Subject),
    )
    if (!fresh)
      throw new Error(`no email about ${subject} to ${address} within ${deliveryTimeoutMs} ms`)
    return fresh
  }, deliveryTimeoutMs)
  return getJson<Email>(`/api/v1/message/${encodeURIComponent(summary.ID)}`)
}
