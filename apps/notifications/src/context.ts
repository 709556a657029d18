import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { NotificationsConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createLiveStreams, type LiveStreams } from './domain/live-streams.js'
import { entities, migrations } from './orm.js'

export interface NotificationsContext extends HttpServiceFoundation {
  config: NotificationsConfig
  streams: LiveStreams
}

export type NotificationsOverrides = ServiceOverrides

export async function createContext(
  config: NotificationsConfig,
  overrides: NotificationsOverrides = {},
): Promise<NotificationsContext> {
  const foundation = await createHttpServiceFoundation(config, { entities, migrations, overrides })
  const streams = createLiveStreams({
    redisUrl: config.redisUrl,
    redis: foundation.redis,
    config: config.stream,
    logger: foundation.logger,
  })
  foundation.addCloseable(() => streams.close())
  const context: NotificationsContext = {
    ...foundation,
    config,
    streams,
    // Consumers are registered when the service starts, after the HTTP app is built.
    start: async () => {
      registerConsumers(context)
      await foundation.start()
    },
  }
  return context
}
