import { type Env, loadServiceBaseConfig, readInt, type ServiceBaseConfig } from '@chatty/config'

import { SERVICE } from './service.js'

/** The job that moves a banned, unbanned or deleted author's comments out of or into the counts. */
export interface CommentStandingConfig {
  /** Comments per batch (one transaction). */
  batchSize: number
  /** How often an idle job looks for new work. */
  pollMs: number
}

export interface PostsConfig extends ServiceBaseConfig {
  /** How often changed like, comment and repost counts are published (PostCountsChanged). */
  postCountsIntervalMs: number
  /** Likes and reposts counted out of (or back into) post counts per transaction after a ban. */
  reactionStandingBatchSize: number
  commentStanding: CommentStandingConfig
}

export function loadConfig(env: Env): PostsConfig {
  return {
    ...loadServiceBaseConfig(env, SERVICE),
    postCountsIntervalMs: readInt(env, 'POST_COUNTS_INTERVAL_MS', 200, { min: 10, max: 60_000 }),
    reactionStandingBatchSize: readInt(env, 'REACTION_STANDING_BATCH_SIZE', 500, {
      min: 1,
      max: 10_000,
    }),
    commentStanding: {
      batchSize: readInt(env, 'COMMENT_STANDING_BATCH_SIZE', 500, { min: 1, max: 10_000 }),
      pollMs: readInt(env, 'COMMENT_STANDING_POLL_MS', 200, { min: 10, max: 60_000 }),
    },
  }
}
