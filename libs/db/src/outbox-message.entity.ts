import type { Envelope } from '@chatty/contracts'
import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** The channel the outbox trigger notifies on commit, and the relay listens on. */
export const OUTBOX_CHANNEL = 'chatty_outbox'

/** A message written in the same transaction as the state change it announces; the relay publishes it. */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    id: p.uuid().primary(),
    exchange: p.text(),
    routingKey: p.text(),
    type: p.text(),
    envelope: p.json<Envelope>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    publishedAt: p.datetime().nullable(),
    /** Publish attempts the broker did not confirm; at the relay's cap the row is left alone. */
    attempts: p.integer().default(0),
    /** The relay claims the row no earlier than this; null means now. */
    nextAttemptAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
  },
  indexes: [
    {
      name: 'outbox_unpublished_idx',
      properties: ['createdAt', 'id'],
      where: 'published_at is null',
    },
  ],
  // A statement-level trigger wakes the relay for every writer; NOTIFY inside a transaction is
  // delivered only at commit, so the relay never looks before the rows are visible.
  triggers: [
    {
      name: 'outbox_notify',
      timing: 'after',
      events: ['insert'],
      forEach: 'statement',
      body: `perform pg_notify('${OUTBOX_CHANNEL}', ''); return null;`,
    },
  ],
})

export type OutboxMessage = InferEntity<typeof OutboxMessage>
