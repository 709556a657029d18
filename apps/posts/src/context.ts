import {
  createServiceFoundation,
  type ServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { PostsConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'posts'

export interface PostsContext extends ServiceFoundation {
  config: PostsConfig
  /** Registers the consumers and starts messaging (after the HTTP app is built). */
  start(): Promise<void>
}

export type PostsOverrides = ServiceOverrides

export async function createContext(
  config: PostsConfig,
  overrides: PostsOverrides = {},
): Promise<PostsContext> {
  const foundation = await createServiceFoundation(config, {
    service: SERVICE,
    entities,
    migrations,
    overrides,
  })
  const context: PostsContext = {
    ...foundation,
    config,
    start: async () => {
      registerConsumers(context)
      foundation.messaging.start()
    },
  }
  return context
}
