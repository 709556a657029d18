import {
  createServiceFoundation,
  type ServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { AdminConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { runBanExpiry } from './domain/ban-expiry.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'admin'

export interface AdminContext extends ServiceFoundation {
  config: AdminConfig
  /** Registers the consumers, starts messaging and the ban expiry job. */
  start(): Promise<void>
}

export type AdminOverrides = ServiceOverrides

export async function createContext(
  config: AdminConfig,
  overrides: AdminOverrides = {},
): Promise<AdminContext> {
  const foundation = await createServiceFoundation(config, {
    service: SERVICE,
    entities,
    migrations,
    overrides,
  })
  const stopping = new AbortController()
  let expiring: Promise<void> | undefined
  let closing: Promise<void> | undefined

  const context: AdminContext = {
    ...foundation,
    config,
    start: async () => {
      registerConsumers(context)
      foundation.messaging.start()
      expiring ??= runBanExpiry({
        orm: foundation.orm,
        clock: foundation.clock,
        intervalMs: config.banExpiryIntervalMs,
        signal: stopping.signal,
      })
    },
    close: () => {
      closing ??= (async () => {
        stopping.abort()
        // A pass in flight commits its UserUnbanned rows before the relay's last flush.
        await expiring
        await foundation.close()
      })()
      return closing
    },
  }
  return context
}
