import { type Env, loadServiceBaseConfig, type ServiceBaseConfig } from '@chatty/config'

export type PostsConfig = ServiceBaseConfig

export function loadConfig(env: Env): PostsConfig {
  return loadServiceBaseConfig(env, 'posts', { port: 3002, databaseVariable: 'POSTS_DATABASE_URL' })
}
