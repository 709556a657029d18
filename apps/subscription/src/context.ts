import {
  createServiceFoundation,
  type ServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { SubscriptionConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createFeedStore, type FeedStore } from './domain/feed-store.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'subscription'

export interface SubscriptionContext extends ServiceFoundation {
  config: SubscriptionConfig
  feeds: FeedStore
  /** Registers the consumers and starts messaging (after the HTTP app is built). */
  start(): Promise<void>
}

export type SubscriptionOverrides = ServiceOverrides

export async function createContext(
  config: SubscriptionConfig,
  overrides: SubscriptionOverrides = {},
): Promise<SubscriptionContext> {
  const foundation = await createServiceFoundation(config, {
    service: SERVICE,
    entities,
    migrations,
    overrides,
  })
  const context: SubscriptionContext = {
    ...foundation,
    config,
    feeds: createFeedStore(foundation.redis, config.feed),
    start: async () => {
      registerConsumers(context)
      foundation.messaging.start()
    },
  }
  return context
}
