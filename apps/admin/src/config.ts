import { type Env, loadServiceBaseConfig, readInt, type ServiceBaseConfig } from '@chatty/config'

import { SERVICE } from './service.js'

export interface AdminConfig extends ServiceBaseConfig {
  /** How often temporary bans whose end has passed are lifted. */
  banExpiryIntervalMs: number
}

export function loadConfig(env: Env): AdminConfig {
  return {
    ...loadServiceBaseConfig(env, SERVICE),
    banExpiryIntervalMs: readInt(env, 'BAN_EXPIRY_INTERVAL_MS', 30_000, {
      min: 10,
      max: 3_600_000,
    }),
  }
}
