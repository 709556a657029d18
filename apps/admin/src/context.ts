import { revocationTtlSeconds } from '@chatty/http'
import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  revocationRestorer,
  type ServiceOverrides,
} from '@chatty/service'

import type { AdminConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { revocationsSince } from './domain/revocations.js'
import { runBanExpiry } from './jobs/ban-expiry.js'
import { entities, migrations } from './orm.js'

export interface AdminContext extends HttpServiceFoundation {
  config: AdminConfig
}

export type AdminOverrides = ServiceOverrides

export async function createContext(
  config: AdminConfig,
  overrides: AdminOverrides = {},
): Promise<AdminContext> {
  const foundation = await createHttpServiceFoundation(config, { entities, migrations, overrides })
  foundation.addBackgroundJob('ban-expiry', (signal) =>
    runBanExpiry({
      em: foundation.orm.em,
      clock: foundation.clock,
      intervalMs: config.banExpiryIntervalMs,
      signal,
    }),
  )
  foundation.addBackgroundJob(
    'revocation-marks',
    revocationRestorer({
      redis: foundation.redis,
      owner: 'admin',
      ttlSeconds: revocationTtlSeconds(config.jwt),
      load: (since) => revocationsSince(foundation.orm.em.fork(), { since }),
      clock: foundation.clock,
      logger: foundation.logger,
    }),
  )
  const context: AdminContext = {
    ...foundation,
    config,
    // Consumers are registered when the service starts, after the HTTP app is built.
    start: async () => {
      registerConsumers(context)
      await foundation.start()
    },
  }
  return context
}
