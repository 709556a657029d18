import { databaseName, databaseUrl, ensureDatabase, quoteIdentifier, withClient } from '@chatty/db'
import { DEFAULT_RETRY_DELAYS_MS, removePrefixedTopology } from '@chatty/messaging'
import { Redis } from 'ioredis'

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

/** email-consumer waits longer than the other consumers before its last retry. */
const EMAIL_LAST_RETRY_MS = 300_000

/**
 * Deletes the queues and exchanges a previous run left under `prefix`, so no stale message of an
 * earlier run reaches this one. The prefix must be non-empty: this never touches the real names.
 */
export async function deleteBrokerObjects(amqpUrl: string, prefix: string): Promise<void> {
  if (!prefix) throw new Error('Refusing to delete broker objects without a prefix')
  await removePrefixedTopology(amqpUrl, prefix, [...DEFAULT_RETRY_DELAYS_MS, EMAIL_LAST_RETRY_MS])
}
