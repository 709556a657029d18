import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { SubscriptionConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createFeedStore, type FeedStore } from './domain/feed-store.js'
import { runFeedRemovals } from './jobs/feed-removals.js'
import { entities, migrations } from './orm.js'

export interface SubscriptionContext extends HttpServiceFoundation {
  config: SubscriptionConfig
  feeds: FeedStore
}

export type SubscriptionOverrides = ServiceOverrides

export async function createContext(
  config: SubscriptionConfig,
  overrides: SubscriptionOverrides = {},
): Promise<SubscriptionContext> {
  const foundation = await createHttpServiceFoundation(config, { entities, migrations, overrides })
  const feeds = createFeedStore(foundation.redis, config.feed)
  foundation.addBackgroundJob('feed-removals', (signal) =>
    runFeedRemovals({
      em: foundation.orm.em,
      deps: { feeds, clock: foundation.clock, config },
      signal,
    }),
  )
  const context: SubscriptionContext = {
    ...foundation,
    config,
    feeds,
    // Consumers are registered when the service starts, after the HTTP app is built.
    start: async () => {
      registerConsumers(context)
      await foundation.start()
    },
  }
  return context
}
