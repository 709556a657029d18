import { useEffect, useState } from 'preact/hooks'

import type { ApiError, Notification } from '../api.js'
import { ProblemMessage } from '../components/forms.js'
import { MoreBelow } from '../components/lists.js'
import { formatTime } from '../components/post-card.js'
import { asApiError, usePagedList, useTitle } from '../hooks.js'
import { onNotification, setUnreadCount } from '../live.js'
import { Link } from '../router.js'
import { apiJson } from '../session.js'

const WHAT: Record<Notification['type'], string> = {
  follow: 'followed you',
  like: 'liked your post',
  repost: 'reposted your post',
  comment: 'commented on your post',
  reply: 'replied to your comment',
  mention: 'mentioned you',
  'poll-ended': 'A poll you took part in has ended',
}

function describe(notification: Notification) {
  const actor = notification.actor
  return (
    <>
      {actor ? (
        <Link href={`/users/${actor.username}`}>
          <strong>{actor.displayName}</strong>
        </Link>
      ) : null}{' '}
      {WHAT[notification.type]}
      {notification.post ? (
        <>
          {': '}
          <Link href={`/posts/${notification.post.id}`}>{notification.post.excerpt}</Link>
        </>
      ) : null}
      {notification.comment ? <q>{notification.comment.excerpt}</q> : null}
    </>
  )
}

export function NotificationsScreen() {
  useTitle('Notifications')
  const list = usePagedList<Notification>('/api/notifications')
  const [error, setError] = useState<ApiError | null>(null)
  useEffect(
    () =>
      onNotification((notification) =>
        list.update((items) => [
          notification,
          ...items.filter((item) => item.id !== notification.id),
        ]),
      ),
    [list],
  )
  const markRead = (notification: Notification) =>
    apiJson<Notification>(`/api/notifications/${notification.id}/read`, { method: 'POST' }).then(
      (read) => list.update((items) => items.map((item) => (item.id === read.id ? read : item))),
      (failure: unknown) => setError(asApiError(failure)),
    )
  const markAllRead = () =>
    apiJson<{ updated: number }>('/api/notifications/read-all', { method: 'POST' }).then(
      () => {
        list.update((items) => items.map((item) => ({ ...item, read: true })))
        setUnreadCount(0)
      },
      (failure: unknown) => setError(asApiError(failure)),
    )
  return (
    <main>
      <h1>Notifications</h1>
      <ProblemMessage error={error} />
      <button type="button" class="secondary" onClick={markAllRead}>
        Mark all as read
      </button>
      <ul class="notifications">
        {list.items.map((notification) => (
          <li key={notification.id} class={notification.read ? 'read' : 'unread'}>
            <p>{describe(notification)}</p>
            <p class="muted">
              {formatTime(notification.createdAt)}
              {notification.read ? null : (
                <>
                  {' · '}
                  <button type="button" class="plain" onClick={() => markRead(notification)}>
                    Mark as read
                  </button>
                </>
              )}
            </p>
          </li>
        ))}
      </ul>
      <MoreBelow list={list} empty="No notifications yet." />
    </main>
  )
}
