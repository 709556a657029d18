import { type Envelope, type MessageData, type MessageDefinition, uuidv7 } from '@chatty/contracts'
import { OutboxMessage } from '@chatty/db'
import type { EntityManager } from '@mikro-orm/core'
import type { Options } from 'amqplib'

export interface EnqueueMeta {
  producer: string
  correlationId?: string | null
  /** When the fact happened; defaults to now. */
  occurredAt?: Date
}

/**
 * Adds a message to the outbox in the unit of work of `em`; it is published after the caller's
 * transaction commits (the outbox trigger wakes the relay then). Invalid data is a programming
 * error and throws.
 */
export function enqueue<D extends MessageDefinition>(
  em: EntityManager,
  definition: D,
  data: MessageData<D>,
  meta: EnqueueMeta,
): Envelope<MessageData<D>> {
  const envelope: Envelope<MessageData<D>> = {
    id: uuidv7(),
    type: definition.type,
    version: definition.version,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    producer: meta.producer,
    correlationId: meta.correlationId ?? null,
    data: definition.schema.parse(data) as MessageData<D>,
  }
  em.create(OutboxMessage, {
    id: envelope.id,
    exchange: definition.exchange,
    routingKey: definition.routingKey,
    type: definition.type,
    envelope,
  })
  return envelope
}

/** The AMQP properties every message carries (DESIGN.md §4). */
export function publishOptions(envelope: Envelope): Options.Publish {
  return {
    messageId: envelope.id,
    type: envelope.type,
    contentType: 'application/json',
    persistent: true,
    timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
    appId: envelope.producer,
    headers: envelope.correlationId ? { 'x-correlation-id': envelope.correlationId } : {},
  }
}
