import { type Env, loadServiceBaseConfig, readInt, type ServiceBaseConfig } from '@chatty/config'

import { SERVICE } from './service.js'

export interface PostsConfig extends ServiceBaseConfig {
  /** How often changed like, comment and repost counts are published (PostCountsChanged). */
  postCountsIntervalMs: number
  /** Likes and reposts counted out of (or back into) post counts per transaction after a ban. */
  reactionStandingBatchSize: number
}

export function loadConfig(env: Env): PostsConfig {
  return {
    ...loadServiceBaseConfig(env, SERVICE),
    postCountsIntervalMs: readInt(env, 'POST_COUNTS_INTERVAL_MS', 200, { min: 10, max: 60_000 }),
    reactionStandingBatchSize: readInt(env, 'REACTION_STANDING_BATCH_SIZE', 500, {
      min: 1,
      max: 10_000,
    }),
  }
}
