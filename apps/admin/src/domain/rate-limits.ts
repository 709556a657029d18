import type { RateLimit } from '@chatty/http'

export const limits = {
  /** Enough for anyone flagging what they see; not enough to flood the moderators' queue. */
  reportsPerUser: { name: 'admin:reports', scope: 'user', limit: 30, windowSeconds: 3600 },
} satisfies Record<string, RateLimit>
