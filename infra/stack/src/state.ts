import { databaseName, databaseUrl, ensureDatabase, quoteIdentifier, withClient } from '@chatty/db'
import { CHATTY_TOPOLOGY, messagingNames } from '@chatty/messaging'
import { connect } from 'amqplib'
import { Redis } from 'ioredis'

/** The consumers' default retry delays: their wait queues are named after them. */
const RETRY_DELAYS_MS = [1_000, 10_000, 60_000] as const

/** Creates each database that does not exist yet; with `fresh`, drops it first. */
export async function prepareDatabases(urls: readonly string[], fresh: boolean): Promise<void> {
  for (const url of urls) {
    if (fresh) {
      await withClient(databaseUrl(url, 'postgres'), (client) =>
        client.query(`drop database if exists ${quoteIdentifier(databaseName(url))} with (force)`),
      )
    }
    await ensureDatabase(url)
  }
}

/** Empties the Redis database the URL selects (and only that one). */
export async function flushRedisDatabase(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    await redis.flushdb()
  } finally {
    redis.disconnect()
  }
}

/** Every queue and exchange the services declare under `prefix`. */
export function prefixedBrokerObjects(prefix: string): { queues: string[]; exchanges: string[] } {
  const names = messagingNames(prefix)
  const queues = CHATTY_TOPOLOGY.flatMap(({ queue }) => {
    const name = names.queue(queue)
    return [
      name,
      names.deadLetterQueue(name),
      ...RETRY_DELAYS_MS.map((delay) => names.retryQueue(name, delay)),
    ]
  })
  return { queues, exchanges: [names.eventsExchange, names.commandsExchange] }
}

/**
 * Deletes the queues and exchanges a previous run left under `prefix`, so no stale message of an
 * earlier run reaches this one. The prefix must be non-empty: this never touches the real names.
 */
export async function deleteBrokerObjects(amqpUrl: string, prefix: string): Promise<void> {
  if (!prefix) throw new Error('Refusing to delete broker objects without a prefix')
  const { queues, exchanges } = prefixedBrokerObjects(prefix)
  const connection = await connect(amqpUrl)
  try {
    for (const queue of queues) {
      // A channel dies on the first failed operation, so each gets its own.
      const channel = await connection.createChannel()
      channel.on('error', () => undefined)
      await channel.deleteQueue(queue).catch(() => undefined)
      await channel.close().catch(() => undefined)
    }
    for (const exchange of exchanges) {
      const channel = await connection.createChannel()
      channel.on('error', () => undefined)
      await channel.deleteExchange(exchange).catch(() => undefined)
      await channel.close().catch(() => undefined)
    }
  } finally {
    await connection.close()
  }
}
