import {
  type Envelope,
  EVENTS_EXCHANGE,
  type MessageData,
  type MessageDefinition,
  uuidv7,
} from '@chatty/contracts'
import { connect } from 'amqplib'

export interface PublishEventOptions {
  producer?: string
  correlationId?: string | null
  /** Reuse an envelope id to simulate a redelivered duplicate. */
  id?: string
  occurredAt?: Date
}

/**
 * Publishes one message, as a producing service's relay would, to the exchange of `definition`
 * under `prefix`; the way to deliver events to a service under test. Answers the envelope sent.
 */
export async function publishEvent<D extends MessageDefinition>(
  url: string,
  prefix: string,
  definition: D,
  data: MessageData<D>,
  options: PublishEventOptions = {},
): Promise<Envelope<MessageData<D>>> {
  const envelope: Envelope<MessageData<D>> = {
    id: options.id ?? uuidv7(),
    type: definition.type,
    version: definition.version,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    producer: options.producer ?? 'test',
    correlationId: options.correlationId ?? null,
    data,
  }
  const connection = await connect(url)
  try {
    const channel = await connection.createConfirmChannel()
    const exchange = `${prefix}${definition.exchange}`
    const type = definition.exchange === EVENTS_EXCHANGE ? 'topic' : 'direct'
    await channel.assertExchange(exchange, type, { durable: true })
    channel.publish(exchange, definition.routingKey, Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope.id,
      type: envelope.type,
      contentType: 'application/json',
      persistent: true,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      appId: envelope.producer,
    })
    await channel.waitForConfirms()
  } finally {
    await connection.close().catch(() => undefined)
  }
  return envelope
}
