import { type Channel, type ChannelModel, connect } from 'amqplib'

export interface TappedMessage {
  routingKey: string
  messageId: string | undefined
  type: string | undefined
  body: { id: string; type: string; data: Record<string, unknown>; [key: string]: unknown }
}

export interface MessageTap {
  messages(): TappedMessage[]
  /** Waits until a message matching `predicate` has arrived. */
  next(predicate: (message: TappedMessage) => boolean, timeoutMs?: number): Promise<TappedMessage>
  close(): Promise<void>
}

/**
 * Binds an exclusive, auto-deleted queue to an exchange and records what is published there, so
 * a test can see the events and commands a service really emits.
 */
export async function tapExchange(
  url: string,
  exchange: string,
  routingKeys: string[],
  exchangeType: 'topic' | 'direct' = 'topic',
): Promise<MessageTap> {
  const connection: ChannelModel = await connect(url)
  const channel: Channel = await connection.createChannel()
  await channel.assertExchange(exchange, exchangeType, { durable: true })
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true })
  for (const key of routingKeys) await channel.bindQueue(queue, exchange, key)
  const received: TappedMessage[] = []
  const waiters = new Set<() => void>()
  await channel.consume(
    queue,
    (message) => {
      if (!message) return
      received.push({
        routingKey: message.fields.routingKey,
        messageId: message.properties.messageId as string | undefined,
        type: message.properties.type as string | undefined,
        body: JSON.parse(message.content.toString('utf8')),
      })
      for (const wake of waiters) wake()
    },
    { noAck: true },
  )
  return {
    messages: () => [...received],
    next: (predicate, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate)
          if (!found) return false
          waiters.delete(check)
          clearTimeout(timer)
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no matching message on ${exchange} within ${timeoutMs} ms`))
        }, timeoutMs)
        if (!check()) waiters.add(check)
      }),
    close: async () => {
      await connection.close().catch(() => undefined)
    },
  }
}
