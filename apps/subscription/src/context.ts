import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'
import { Histogram } from 'prom-client'

import type { SubscriptionConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createFeedStore, type FeedStore } from './domain/feed-store.js'
import { runFeedRemovals } from './jobs/feed-removals.js'
import { entities, migrations } from './orm.js'

export interface SubscriptionContext extends HttpServiceFoundation {
  config: SubscriptionConfig
  feeds: FeedStore
  observeFanOut(seconds: number): void
}

/** Fan-out of one entry, in seconds: a few followers take a millisecond, 10 000 about half a second. */
const FAN_OUT_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export type SubscriptionOverrides = ServiceOverrides

export async function createContext(
  config: SubscriptionConfig,
  overrides: SubscriptionOverrides = {},
): Promise<SubscriptionContext> {
  const foundation = await createHttpServiceFoundation(config, { entities, migrations, overrides })
  const feeds = createFeedStore(foundation.redis, config.feed)
  const fanOutDuration = new Histogram({
    name: 'feed_fanout_duration_seconds',
    help: "Time to push a post or repost into its author's followers' feeds (targets query and Redis pipelines).",
    buckets: FAN_OUT_BUCKETS_SECONDS,
    registers: [foundation.metrics.registry],
  })
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
    observeFanOut: (seconds) => fanOutDuration.observe(seconds),
    // Consumers are registered when the service starts, after the HTTP app is built.
    start: async () => {
      registerConsumers(context)
      await foundation.start()
    },
  }
  return context
}
