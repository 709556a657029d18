import { type Env, loadServiceBaseConfig, readInt, type ServiceBaseConfig } from '@chatty/config'

import { SERVICE } from './service.js'

/** The live stream of notifications (`GET /api/notifications/stream`). */
export interface StreamConfig {
  /** How often an idle stream gets a comment line, so proxies and clients see it is alive. */
  heartbeatMs: number
  /** How often the revocation marks of every open stream's session and user are read at once. */
  revocationCheckMs: number
  /** How long a stream ticket may wait for its stream. */
  ticketTtlSeconds: number
}

export interface NotificationsConfig extends ServiceBaseConfig {
  stream: StreamConfig
}

export function loadConfig(env: Env): NotificationsConfig {
  return {
    ...loadServiceBaseConfig(env, SERVICE),
    stream: {
      heartbeatMs: readInt(env, 'NOTIFICATIONS_HEARTBEAT_MS', 25_000, { min: 10, max: 300_000 }),
      revocationCheckMs: readInt(env, 'NOTIFICATIONS_REVOCATION_CHECK_MS', 250, {
        min: 10,
        max: 1_000,
      }),
      ticketTtlSeconds: 60,
    },
  }
}
