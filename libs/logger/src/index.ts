import { AsyncLocalStorage } from 'node:async_hooks'

import { type Logger, pino } from 'pino'

export type { Logger } from 'pino'

/** What every log line written inside a request or a consumed message carries. */
export interface LogContext {
  requestId?: string
  correlationId?: string
  messageId?: string
}

const logContext = new AsyncLocalStorage<LogContext>()

const root: Logger = pino({
  level: 'info',
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: {
    paths: [
      'authorization',
      '*.authorization',
      'headers.authorization',
      '*.headers.authorization',
      'password',
      '*.password',
      'refreshToken',
      '*.refreshToken',
      'code',
      '*.code',
      'token',
      '*.token',
    ],
    censor: '[redacted]',
  },
  mixin: () => ({ ...logContext.getStore() }),
})

/** Sets the level and the service name that every logger writes. */
export function configureLogging(options: { level: string; service?: string }): void {
  root.level = options.level
  if (options.service) root.setBindings({ service: options.service })
}

/** A child of the root logger named after a module family, for example `posts:feed`. */
export function createLogger(name: string): Logger {
  return root.child({ name })
}

/** Runs `fn` with ids that every log line inside it (across awaits) carries. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return logContext.run({ ...logContext.getStore(), ...context }, fn)
}

export function currentLogContext(): LogContext {
  return logContext.getStore() ?? {}
}
