/**
 * What a unit of work changed that open streams must hear about once it commits: notifications
 * new to their recipient, and recipients whose unread count moved.
 */
export interface LiveChanges {
  created: { id: string; recipientId: string }[]
  counts: Set<string>
}

export function liveChanges(): LiveChanges {
  return { created: [], counts: new Set() }
}
