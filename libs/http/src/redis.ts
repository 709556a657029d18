import { Redis } from 'ioredis'

/**
 * A Redis client that fails fast while Redis is down (no offline queue, one retry), so requests
 * answer 503 at once instead of hanging; it keeps reconnecting in the background.
 */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  })
}
