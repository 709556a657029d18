import { type Env, loadServiceBaseConfig, readInt, type ServiceBaseConfig } from '@chatty/config'

import { SERVICE } from './service.js'

export interface FeedConfig {
  /** Entries kept per home feed and per author timeline (Mastodon and Twitter keep 800). */
  maxEntries: number
  /** Authors with more followers than this are not pushed; readers merge their timeline. */
  fanoutMaxFollowers: number
  /** Followers who have not read their feed for this long are not pushed; theirs is dropped. */
  inactiveDays: number
  /** Followers written per Redis pipeline during fan-out. */
  fanoutBatchSize: number
  /** How long a rendered post stays cached in Redis. */
  postCacheTtlSeconds: number
}

/**
 * The job that takes removed posts out of followers' feeds, a batch of followers at a time, and
 * removes a deleted account's follows.
 */
export interface FeedRemovalConfig {
  /**
   * Followers per batch (one transaction, one Redis pipeline), or follows of a deleted account;
   * fewer when many posts leave.
   */
  batchSize: number
  /** How often an idle job looks for new removals. */
  pollMs: number
  /** A pause after each batch, to spread a huge removal's load on Redis; 0 for none. */
  pauseMs: number
}

export interface SubscriptionConfig extends ServiceBaseConfig {
  /** Follows one account may make per hour. */
  followsPerHour: number
  feed: FeedConfig
  feedRemovals: FeedRemovalConfig
}

export function loadConfig(env: Env): SubscriptionConfig {
  const base = loadServiceBaseConfig(env, SERVICE)
  return {
    ...base,
    followsPerHour: readInt(env, 'FOLLOWS_PER_HOUR', 1_000, { min: 1, max: 1_000_000 }),
    feed: {
      maxEntries: readInt(env, 'FEED_MAX_ENTRIES', 800, { min: 10, max: 10_000 }),
      fanoutMaxFollowers: readInt(env, 'FEED_FANOUT_MAX_FOLLOWERS', 10_000, {
        min: 0,
        max: 100_000_000,
      }),
      inactiveDays: readInt(env, 'FEED_INACTIVE_DAYS', 30, { min: 1, max: 3_650 }),
      fanoutBatchSize: readInt(env, 'FEED_FANOUT_BATCH_SIZE', 500, { min: 1, max: 10_000 }),
      postCacheTtlSeconds: readInt(env, 'FEED_POST_CACHE_TTL_SECONDS', 3_600, {
        min: 1,
        max: 86_400 * 7,
      }),
    },
    feedRemovals: {
      batchSize: readInt(env, 'FEED_REMOVAL_BATCH_SIZE', 1_000, { min: 1, max: 100_000 }),
      pollMs: readInt(env, 'FEED_REMOVAL_POLL_MS', 250, { min: 10, max: 60_000 }),
      pauseMs: readInt(env, 'FEED_REMOVAL_PAUSE_MS', 0, { min: 0, max: 3_600_000 }),
    },
  }
}
