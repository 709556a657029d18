import { useState } from 'preact/hooks'

import type { AdminUser, ApiError, Me } from '../api.js'
import { Field, ProblemMessage } from '../components/forms.js'
import { MoreBelow } from '../components/lists.js'
import { formatTime } from '../components/post-card.js'
import { TakedownButton } from '../components/report.js'
import { asApiError, useMe, usePagedList, useResource, useTitle } from '../hooks.js'
import { Link } from '../router.js'
import { apiJson, jsonBody } from '../session.js'
import { BanForm } from './admin.js'

type ReportTarget =
  | { type: 'post'; id: string; title: string | null; content: string | null; deleted: boolean }
  | { type: 'comment'; id: string; postId: string; content: string | null; deleted: boolean }
  | { type: 'user'; id: string; username: string; displayName: string; status: Me['status'] }

interface Report {
  id: string
  status: 'open' | 'resolved' | 'dismissed'
  reason: string
  note: string | null
  target: ReportTarget
  reporter: { id: string; username: string }
  resolvedAt: string | null
  createdAt: string
}

function TargetView({ target }: { target: ReportTarget }) {
  if (target.type === 'user') {
    return (
      <p>
        Account <Link href={`/admin/users/${target.id}`}>@{target.username}</Link> ({target.status})
      </p>
    )
  }
  const where =
    target.type === 'post' ? `/posts/${target.id}` : `/posts/${target.postId}#${target.id}`
  return (
    <>
      <p>
        {target.type === 'post' ? 'Post' : 'Comment'}
        {target.deleted ? ' (deleted)' : ''} · <Link href={where}>open</Link>
      </p>
      {target.type === 'post' && target.title ? <p class="post-title">{target.title}</p> : null}
      <blockquote class="content">
        {target.content ?? 'The text has not reached moderation yet.'}
      </blockquote>
    </>
  )
}

function ReportItem({ report, onChange }: { report: Report; onChange(report: Report): void }) {
  const [note, setNote] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const fail = (failure: unknown) => setError(asApiError(failure))
  const close = (status: 'resolved' | 'dismissed') =>
    apiJson<Report>(
      `/api/admin/reports/${report.id}`,
      jsonBody('PATCH', { status, ...(note ? { note } : {}) }),
    ).then(onChange, fail)
  const target = report.target
  return (
    <li class="report-item">
      <p>
        <strong>{report.reason}</strong>{' '}
        <span class="muted">
          reported by @{report.reporter.username} · {formatTime(report.createdAt)} ·{' '}
          <span class="status">{report.status}</span>
        </span>
      </p>
      <TargetView target={target} />
      {report.note ? <p class="muted">Note: {report.note}</p> : null}
      <ProblemMessage error={error} fields={['note']} />
      {report.status === 'open' ? (
        <div class="actions">
          {target.type !== 'user' && !target.deleted ? (
            <TakedownButton
              target={target.type === 'post' ? { post: target.id } : { comment: target.id }}
            />
          ) : null}
          <Field
            label="Note (optional)"
            name="note"
            value={note}
            error={error}
            onInput={(event) => setNote((event.currentTarget as HTMLInputElement).value)}
          />
          <button type="button" onClick={() => close('resolved')}>
            Resolve
          </button>
          <button type="button" class="secondary" onClick={() => close('dismissed')}>
            Dismiss
          </button>
        </div>
      ) : null}
    </li>
  )
}

export function ReportsScreen() {
  useTitle('Reports')
  const [status, setStatus] = useState('open')
  const list = usePagedList<Report>(`/api/admin/reports?status=${status}`)
  return (
    <main>
      <h1>Reports</h1>
      <label>
        Show{' '}
        <select
          value={status}
          onChange={(event) => setStatus((event.currentTarget as HTMLSelectElement).value)}
        >
          <option value="open">Open</option>
          <option value="resolved">Resolved</option>
          <option value="dismissed">Dismissed</option>
        </select>
      </label>
      <ul class="admin-users">
        {list.items.map((report) => (
          <ReportItem
            key={report.id}
            report={report}
            onChange={(changed) =>
              list.update((items) => items.map((item) => (item.id === changed.id ? changed : item)))
            }
          />
        ))}
      </ul>
      <MoreBelow list={list} empty="No reports here." />
    </main>
  )
}

interface AdminUserDetail extends AdminUser {
  emails: {
    template: string
    status: 'delivered' | 'failed' | 'pending'
    at: string
    error: string | null
  }[]
}

function RoleForm({ user, onChange }: { user: AdminUser; onChange(user: AdminUser): void }) {
  const [role, setRole] = useState(user.role)
  const [error, setError] = useState<ApiError | null>(null)
  const submit = (event: Event) => {
    event.preventDefault()
    apiJson<AdminUser>(`/api/admin/users/${user.id}`, jsonBody('PATCH', { role })).then(
      onChange,
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  return (
    <form class="filters" onSubmit={submit}>
      <ProblemMessage error={error} />
      <label>
        Role{' '}
        <select
          value={role}
          onChange={(event) =>
            setRole((event.currentTarget as HTMLSelectElement).value as AdminUser['role'])
          }
        >
          <option value="user">User</option>
          <option value="moderator">Moderator</option>
          <option value="admin">Admin</option>
        </select>
      </label>
      <button type="submit" disabled={role === user.role}>
        Change role
      </button>
    </form>
  )
}

export function AdminUserScreen({ id }: { id: string }) {
  useTitle('User')
  const me = useMe()
  const [loaded, , replace] = useResource<AdminUserDetail>(`/api/admin/users/${id}`)
  const [error, setError] = useState<ApiError | null>(null)
  if (loaded.state === 'loading') {
    return (
      <main>
        <p role="status">Loading…</p>
      </main>
    )
  }
  if (loaded.state === 'failed') {
    return (
      <main>
        <h1>User</h1>
        <ProblemMessage error={loaded.error} />
      </main>
    )
  }
  const user = loaded.value
  const changed = (next: AdminUser) => replace({ ...user, ...next })
  const unban = () =>
    apiJson<AdminUser>(`/api/admin/users/${user.id}/unban`, { method: 'POST' }).then(
      changed,
      (failure: unknown) => setError(asApiError(failure)),
    )
  return (
    <main>
      <h1>
        {user.displayName} <span class="muted">@{user.username}</span>
      </h1>
      <p>
        {user.email} · {user.role} · <span class="status">{user.status}</span>
        {user.emailVerified ? ' · verified' : ' · unverified'} · joined {formatTime(user.createdAt)}
      </p>
      <ProblemMessage error={error} />
      {user.status === 'banned' ? (
        <p>
          Banned {user.bannedAt ? formatTime(user.bannedAt) : ''}
          {user.banReason ? `: ${user.banReason}` : ''}{' '}
          <button type="button" class="secondary" onClick={unban}>
            Unban @{user.username}
          </button>
        </p>
      ) : user.status === 'active' ? (
        <BanForm user={user} onDone={changed} />
      ) : null}
      {me?.role === 'admin' && me.id !== user.id ? (
        <RoleForm user={user} onChange={changed} />
      ) : null}
      <h2>Emails</h2>
      {user.emails.length === 0 ? (
        <p class="empty">No emails sent.</p>
      ) : (
        <ul class="users">
          {user.emails.map((email, index) => (
            <li key={index}>
              {email.template} · {email.status} · {formatTime(email.at)}
              {email.error ? <span class="field-error"> · {email.error}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </main>
  )
}

interface AuditEntry {
  id: string
  actorId: string | null
  action: string
  targetType: string
  targetId: string
  detail: Record<string, unknown>
  at: string
}

export function AuditLogScreen() {
  useTitle('Audit log')
  const list = usePagedList<AuditEntry>('/api/admin/audit-log')
  return (
    <main>
      <h1>Audit log</h1>
      <ul class="users">
        {list.items.map((entry) => (
          <li key={entry.id}>
            <p>
              <strong>{entry.action}</strong> {entry.targetType}{' '}
              {entry.targetType === 'user' ? (
                <Link href={`/admin/users/${entry.targetId}`}>{entry.targetId}</Link>
              ) : (
                entry.targetId
              )}
            </p>
            <p class="muted">
              {formatTime(entry.at)} · by{' '}
              {entry.actorId ? (
                <Link href={`/admin/users/${entry.actorId}`}>{entry.actorId}</Link>
              ) : (
                'the system'
              )}
            </p>
            {Object.keys(entry.detail).length > 0 ? (
              <pre class="content">{JSON.stringify(entry.detail, null, 2)}</pre>
            ) : null}
          </li>
        ))}
      </ul>
      <MoreBelow list={list} empty="Nothing has happened yet." />
    </main>
  )
}
