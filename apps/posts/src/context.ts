import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { PostsConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { runCommentStandingWalks } from './jobs/comment-standing.js'
import { runPostCountsRollup } from './jobs/post-counts.js'
import { runReactionStanding } from './jobs/reaction-standing.js'
import { entities, migrations } from './orm.js'

export interface PostsContext extends HttpServiceFoundation {
  config: PostsConfig
}

export type PostsOverrides = ServiceOverrides

export async function createContext(
  config: PostsConfig,
  overrides: PostsOverrides = {},
): Promise<PostsContext> {
  const foundation = await createHttpServiceFoundation(config, { entities, migrations, overrides })
  foundation.addBackgroundJob('post-counts', (signal) =>
    runPostCountsRollup({
      em: foundation.orm.em,
      intervalMs: config.postCountsIntervalMs,
      signal,
    }),
  )
  foundation.addBackgroundJob('reaction-standing', (signal) =>
    runReactionStanding({
      em: foundation.orm.em,
      batchSize: config.reactionStandingBatchSize,
      intervalMs: config.postCountsIntervalMs,
      signal,
    }),
  )
  foundation.addBackgroundJob('comment-standing', (signal) =>
    runCommentStandingWalks({
      em: foundation.orm.em,
      deps: { clock: foundation.clock },
      config: config.commentStanding,
      signal,
    }),
  )
  const context: PostsContext = {
    ...foundation,
    config,
    // Consumers are registered when the service starts, after the HTTP app is built.
    start: async () => {
      registerConsumers(context)
      await foundation.start()
    },
  }
  return context
}
