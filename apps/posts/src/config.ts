import { type Env, loadServiceBaseConfig, type ServiceBaseConfig } from '@chatty/config'

import { SERVICE } from './service.js'

export type PostsConfig = ServiceBaseConfig

export function loadConfig(env: Env): PostsConfig {
  return loadServiceBaseConfig(env, SERVICE)
}
