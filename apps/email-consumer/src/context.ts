import { isDependencyDown } from '@chatty/domain'
import { type CoreOverrides, createServiceCore, type ServiceCore } from '@chatty/service'

import type { EmailConsumerConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createMailer, type Mailer, SmtpError } from './mailer.js'
import { entities, migrations } from './orm.js'

export interface EmailContext extends ServiceCore {
  config: EmailConsumerConfig
  mailer: Mailer
}

export interface EmailOverrides extends CoreOverrides {
  mailer?: Mailer
}

export async function createContext(
  config: EmailConsumerConfig,
  overrides: EmailOverrides = {},
): Promise<EmailContext> {
  const core = await createServiceCore(config, {
    entities,
    migrations,
    overrides,
    prefetch: config.concurrency,
    // A batch rolled back would send its emails again.
    batchSize: 1,
    retryDelaysMs: config.retryDelaysMs,
    // The handler's transaction, and the attempt and failure records that commit on their own.
    connectionsPerMessage: 2,
    // An SMTP outage uses up attempts and ends in a recorded failure; a database outage waits.
    isTransient: (error) => !(error instanceof SmtpError) && isDependencyDown(error),
  })
  const mailer =
    overrides.mailer ??
    createMailer({ smtp: config.smtp, from: config.mailFrom, maxConnections: config.concurrency })
  if (!overrides.mailer) core.addCloseable(() => mailer.close())
  const context: EmailContext = {
    ...core,
    config,
    mailer,
    start: async () => {
      registerConsumers(context)
      await core.start()
    },
  }
  return context
}
