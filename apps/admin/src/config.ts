import { type Env, loadServiceBaseConfig, type ServiceBaseConfig } from '@chatty/config'

export type AdminConfig = ServiceBaseConfig

export function loadConfig(env: Env): AdminConfig {
  return loadServiceBaseConfig(env, 'admin', { port: 3004, databaseVariable: 'ADMIN_DATABASE_URL' })
}
