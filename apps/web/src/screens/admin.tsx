import { useState } from 'preact/hooks'

import type { AdminUser, ApiError } from '../api.js'
import { Field, ProblemMessage } from '../components/forms.js'
import { MoreBelow } from '../components/lists.js'
import { formatTime } from '../components/post-card.js'
import { asApiError, useMe, usePagedList, useTitle } from '../hooks.js'
import { Link } from '../router.js'
import { apiJson, jsonBody } from '../session.js'

export function BanForm({ user, onDone }: { user: AdminUser; onDone(user: AdminUser): void }) {
  const [reason, setReason] = useState('')
  const [hours, setHours] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const submit = (event: Event) => {
    event.preventDefault()
    apiJson<AdminUser>(
      `/api/admin/users/${user.id}/ban`,
      jsonBody('POST', { reason, ...(hours ? { durationHours: Number(hours) } : {}) }),
    ).then(onDone, (failure: unknown) => setError(asApiError(failure)))
  }
  return (
    <form class="ban" onSubmit={submit} aria-label={`Ban ${user.username}`}>
      <ProblemMessage error={error} fields={['reason', 'durationHours']} />
      <Field
        label="Reason"
        name="reason"
        value={reason}
        error={error}
        required
        onInput={(event) => setReason((event.currentTarget as HTMLInputElement).value)}
      />
      <Field
        label="Hours (empty: until unbanned)"
        name="durationHours"
        type="number"
        min={1}
        value={hours}
        error={error}
        onInput={(event) => setHours((event.currentTarget as HTMLInputElement).value)}
      />
      <button type="submit" class="danger">
        Ban @{user.username}
      </button>
    </form>
  )
}

function UserRow({ user, onChange }: { user: AdminUser; onChange(user: AdminUser): void }) {
  const [banning, setBanning] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const unban = () =>
    apiJson<AdminUser>(`/api/admin/users/${user.id}/unban`, { method: 'POST' }).then(
      onChange,
      (failure: unknown) => setError(asApiError(failure)),
    )
  return (
    <li class="admin-user">
      <p>
        <Link href={`/admin/users/${user.id}`}>
          <strong>{user.displayName}</strong> @{user.username}
        </Link>{' '}
        <span class="muted">
          {user.email} · {user.role} · <span class="status">{user.status}</span>
          {user.emailVerified ? '' : ' · unverified'} · joined {formatTime(user.createdAt)}
        </span>
      </p>
      {user.status === 'banned' ? (
        <p>
          Banned {user.bannedAt ? formatTime(user.bannedAt) : ''}
          {user.banReason ? `: ${user.banReason}` : ''}{' '}
          <button type="button" class="secondary" onClick={unban}>
            Unban @{user.username}
          </button>
        </p>
      ) : user.status === 'active' ? (
        banning ? (
          <BanForm
            user={user}
            onDone={(banned) => {
              setBanning(false)
              onChange(banned)
            }}
          />
        ) : (
          <button type="button" class="secondary" onClick={() => setBanning(true)}>
            Ban…
          </button>
        )
      ) : null}
      <ProblemMessage error={error} />
    </li>
  )
}

export function AdminUsersScreen() {
  useTitle('Users')
  const me = useMe()
  const [q, setQ] = useState('')
  const [status, setStatus] = useState('')
  const [role, setRole] = useState('')
  const [query, setQuery] = useState('')
  const list = usePagedList<AdminUser>(me ? `/api/admin/users${query}` : null)
  const search = (event: Event) => {
    event.preventDefault()
    const params = new URLSearchParams()
    if (q) params.set('q', q)
    if (status) params.set('status', status)
    if (role) params.set('role', role)
    const text = params.toString()
    setQuery(text ? `?${text}` : '')
  }
  return (
    <main>
      <h1>Users</h1>
      <form class="filters" onSubmit={search} role="search">
        <Field
          label="Search users"
          name="q"
          type="search"
          value={q}
          onInput={(event) => setQ((event.currentTarget as HTMLInputElement).value)}
        />
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(event) => setStatus((event.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="banned">Banned</option>
            <option value="deleted">Deleted</option>
          </select>
        </label>
        <label>
          Role{' '}
          <select
            value={role}
            onChange={(event) => setRole((event.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">Any</option>
            <option value="user">User</option>
            <option value="moderator">Moderator</option>
            <option value="admin">Admin</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <ul class="admin-users">
        {list.items.map((user) => (
          <UserRow
            key={user.id}
            user={user}
            onChange={(changed) =>
              list.update((items) => items.map((item) => (item.id === changed.id ? changed : item)))
            }
          />
        ))}
      </ul>
      <MoreBelow list={list} empty="No users match." />
    </main>
  )
}
