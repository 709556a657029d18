import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { PostsConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { runPollClosing } from './jobs/poll-closing.js'
import { runPostCountsRollup } from './jobs/post-counts.js'
import { runStandingWalks } from './jobs/standing-walk.js'
import { runTagUsePruning } from './jobs/tag-uses.js'
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
  foundation.addBackgroundJob('standing-walk', (signal) =>
    runStandingWalks({
      em: foundation.orm.em,
      batchSize: config.standingWalkBatchSize,
      intervalMs: config.postCountsIntervalMs,
      signal,
    }),
  )
  foundation.addBackgroundJob('tag-uses', (signal) =>
    runTagUsePruning({ em: foundation.orm.em, clock: foundation.clock, signal }),
  )
  foundation.addBackgroundJob('poll-closing', (signal) =>
    runPollClosing({
      em: foundation.orm.em,
      clock: foundation.clock,
      intervalMs: config.pollClosingIntervalMs,
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
