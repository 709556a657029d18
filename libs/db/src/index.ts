import { InboxMessage } from './inbox-message.entity.js'
import { OutboxMessage } from './outbox-message.entity.js'

export * from './counter-shards.js'
export {
  databaseName,
  databaseUrl,
  ensureDatabase,
  isPgError,
  quoteIdentifier,
  redactUrl,
  withClient,
} from './database.js'
export * from './follow-counters.js'
export { InboxMessage } from './inbox-message.entity.js'
export * from './kysely.js'
export { ChattyMigrationGenerator } from './migration-generator.js'
export * from './orm.js'
export { OUTBOX_CHANNEL, OutboxMessage } from './outbox-message.entity.js'
export * from './pool-metrics.js'
export { preparedQuery } from './prepared.js'
export * from './registrations.js'
export * from './standing.js'
export * from './transaction.js'
export { Migration } from '@mikro-orm/migrations'

/** The tables every service that produces or consumes messages adds to its own entities. */
export const messagingEntities = [OutboxMessage, InboxMessage] as const
