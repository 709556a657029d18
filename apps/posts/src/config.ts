import { type Env, loadServiceBaseConfig, readInt, type ServiceBaseConfig } from '@chatty/config'

import { SERVICE } from './service.js'

export interface PostsConfig extends ServiceBaseConfig {
  /**
   * How often changed like, comment and repost counts are published (PostCountsChanged), and how
   * often the standing walk looks for accounts to count anew.
   */
  postCountsIntervalMs: number
  /** How often the closing job looks for polls whose time is up. */
  pollClosingIntervalMs: number
  /** Likes, reposts, comments and poll votes counted out of (or back into) post counts per transaction. */
  standingWalkBatchSize: number
  /** How old the cached list of trending tags may get before it is computed again. */
  trendingTagsCacheMs: number
}

export function loadConfig(env: Env): PostsConfig {
  return {
    ...loadServiceBaseConfig(env, SERVICE),
    postCountsIntervalMs: readInt(env, 'POST_COUNTS_INTERVAL_MS', 200, { min: 10, max: 60_000 }),
    pollClosingIntervalMs: readInt(env, 'POLL_CLOSING_INTERVAL_MS', 1_000, {
      min: 10,
      max: 60_000,
    }),
    standingWalkBatchSize: readInt(env, 'STANDING_WALK_BATCH_SIZE', 500, { min: 1, max: 10_000 }),
    trendingTagsCacheMs: readInt(env, 'TRENDING_TAGS_CACHE_MS', 30_000, { min: 1, max: 600_000 }),
  }
}
