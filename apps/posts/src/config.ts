import { resolve } from 'node:path'

import {
  type Env,
  loadServiceBaseConfig,
  LOCAL_DEFAULTS,
  readInt,
  readString,
  readUrl,
  type ServiceBaseConfig,
} from '@chatty/config'

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
  media: MediaConfig
}

export interface MediaConfig {
  /** Where uploads are stored (MEDIA_DIR, relative to the working directory); nginx serves it. */
  dir: string
  /** `{PUBLIC_URL}/media`: the start of every picture's URL. */
  baseUrl: string
  /** An upload not attached to a post within this time is deleted (24 hours). */
  unattachedMaxAgeMs: number
  /** How often the media job deletes expired and discarded uploads. */
  cleanupIntervalMs: number
  /** Images decoded and encoded at once; further uploads wait their turn. */
  processingConcurrency: number
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
    media: {
      dir: resolve(readString(env, 'MEDIA_DIR', '.stack/media')),
      baseUrl: `${readUrl(env, 'PUBLIC_URL', LOCAL_DEFAULTS.publicUrl).replace(/\/+$/, '')}/media`,
      unattachedMaxAgeMs:
        readInt(env, 'MEDIA_UNATTACHED_MAX_AGE_SECONDS', 86_400, { min: 1, max: 30 * 86_400 }) *
        1000,
      cleanupIntervalMs: readInt(env, 'MEDIA_CLEANUP_INTERVAL_MS', 60_000, {
        min: 10,
        max: 3_600_000,
      }),
      processingConcurrency: readInt(env, 'MEDIA_PROCESSING_CONCURRENCY', 2, { min: 1, max: 64 }),
    },
  }
}
