/** A message of a user's live channel in Redis: one server-sent event for their open streams. */
export interface LiveMessage {
  event: 'notification' | 'unread-count'
  data: unknown
}

/** The Redis pub/sub channel of one user's live notifications. */
export function liveChannel(userId: string): string {
  return `notif:live:${userId}`
}

export const LIVE_CHANNEL_PREFIX = liveChannel('')
