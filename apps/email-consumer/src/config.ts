import {
  ConfigError,
  type Env,
  loadServiceBaseConfig,
  LOCAL_DEFAULTS,
  readInt,
  readOptionalString,
  readString,
  readUrl,
  type ServiceBaseConfig,
} from '@chatty/config'

import { SERVICE } from './service.js'

export interface SmtpConfig {
  /** `smtp://` (STARTTLS when offered) or `smtps://`; credentials may be in the URL. */
  url: string
  connectionTimeoutMs: number
  greetingTimeoutMs: number
  socketTimeoutMs: number
}

export interface EmailConsumerConfig extends ServiceBaseConfig {
  publicUrl: string
  mailFrom: string
  smtp: SmtpConfig
  /** Emails sent at once: the consumer prefetch and the SMTP pool size. */
  concurrency: number
  /** Waits before each retry of a failed delivery; after the last one the command is dead-lettered. */
  retryDelaysMs: number[]
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 10_000, 60_000, 300_000]

export function loadConfig(env: Env): EmailConsumerConfig {
  const base = loadServiceBaseConfig(env, SERVICE)
  const smtpUrl = readUrl(env, 'SMTP_URL', 'smtp://127.0.0.1:1025')
  if (!/^smtps?:$/.test(new URL(smtpUrl).protocol)) {
    throw new ConfigError('SMTP_URL must start with smtp:// or smtps://')
  }
  const mailFrom = readString(env, 'MAIL_FROM', 'Chatty <no-reply@chatty.local>')
  if (!/^[^<>@\s]+@[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(mailFrom)) {
    throw new ConfigError(`MAIL_FROM must be an address or "Name <address>", got "${mailFrom}"`)
  }
  return {
    ...base,
    publicUrl: readUrl(env, 'PUBLIC_URL', LOCAL_DEFAULTS.publicUrl).replace(/\/+$/, ''),
    mailFrom,
    smtp: {
      url: smtpUrl,
      connectionTimeoutMs: readInt(env, 'SMTP_CONNECTION_TIMEOUT_MS', 10_000, { min: 100 }),
      greetingTimeoutMs: readInt(env, 'SMTP_GREETING_TIMEOUT_MS', 10_000, { min: 100 }),
      socketTimeoutMs: readInt(env, 'SMTP_SOCKET_TIMEOUT_MS', 30_000, { min: 100 }),
    },
    concurrency: readInt(env, 'EMAIL_CONCURRENCY', 4, { min: 1, max: 50 }),
    retryDelaysMs: readDelays(env, 'EMAIL_RETRY_DELAYS_MS', DEFAULT_RETRY_DELAYS_MS),
  }
}

function readDelays(env: Env, name: string, fallback: number[]): number[] {
  const value = readOptionalString(env, name)
  if (value === undefined) return fallback
  const delays = value.split(',').map((part) => part.trim())
  if (!delays.every((part) => /^\d+$/.test(part) && Number(part) >= 10)) {
    throw new ConfigError(
      `${name} must be comma-separated milliseconds (each ≥ 10), got "${value}"`,
    )
  }
  return delays.map(Number)
}
