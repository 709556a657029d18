import type { Notification } from './api.js'
import { apiJson, currentMe, onSessionChange } from './session.js'

/**
 * The signed-in person's notification stream. EventSource cannot send an Authorization header,
 * so each connection uses a single-use ticket; a dropped stream is reopened with a new ticket.
 */
type CountListener = (count: number) => void
type NotificationListener = (notification: Notification) => void

const RECONNECT_MS = 3_000

let source: EventSource | null = null
let retry: ReturnType<typeof setTimeout> | null = null
let unread = 0
const countListeners = new Set<CountListener>()
const notificationListeners = new Set<NotificationListener>()

function setUnread(count: number): void {
  unread = count
  for (const listener of countListeners) listener(count)
}

function close(): void {
  source?.close()
  source = null
  if (retry) clearTimeout(retry)
  retry = null
}

async function open(): Promise<void> {
  close()
  const userId = currentMe()?.id
  if (!userId) return
  try {
    const { count } = await apiJson<{ count: number }>('/api/notifications/unread-count')
    setUnread(count)
    const { ticket } = await apiJson<{ ticket: string }>('/api/notifications/stream-ticket', {
      method: 'POST',
    })
    if (currentMe()?.id !== userId) return
    const stream = new EventSource(`/api/notifications/stream?ticket=${encodeURIComponent(ticket)}`)
    source = stream
    stream.addEventListener('unread-count', (event) => {
      setUnread((JSON.parse((event as MessageEvent<string>).data) as { count: number }).count)
    })
    stream.addEventListener('notification', (event) => {
      const notification = JSON.parse((event as MessageEvent<string>).data) as Notification
      for (const listener of notificationListeners) listener(notification)
    })
    stream.onerror = () => {
      // The ticket was used up: the browser's own reconnect would be refused, so start afresh.
      if (source !== stream) return
      close()
      retry = setTimeout(() => void open(), RECONNECT_MS)
    }
  } catch {
    if (currentMe()?.id === userId) retry = setTimeout(() => void open(), RECONNECT_MS)
  }
}

let started = false

/** Follows the session: a stream while someone is signed in, none otherwise. */
export function startLiveNotifications(): void {
  if (started) return
  started = true
  let openFor: string | null = null
  const follow = () => {
    const id = currentMe()?.id ?? null
    if (id === openFor) return
    openFor = id
    if (id) void open()
    else {
      close()
      setUnread(0)
    }
  }
  onSessionChange(follow)
  follow()
}

export function unreadCount(): number {
  return unread
}

export function setUnreadCount(count: number): void {
  setUnread(count)
}

export function onUnreadCount(listener: CountListener): () => void {
  countListeners.add(listener)
  return () => countListeners.delete(listener)
}

export function onNotification(listener: NotificationListener): () => void {
  notificationListeners.add(listener)
  return () => notificationListeners.delete(listener)
}
