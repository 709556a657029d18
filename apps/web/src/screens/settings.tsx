import { useId, useState } from 'preact/hooks'

import type { ApiError, Me, Media } from '../api.js'
import { Avatar } from '../components/avatar.js'
import { Field, ProblemMessage } from '../components/forms.js'
import { formatTime } from '../components/post-card.js'
import { asApiError, useMe, useResource, useTitle } from '../hooks.js'
import { navigate } from '../router.js'
import { apiFetch, apiJson, forgetSession, jsonBody, updateMe } from '../session.js'

const onValue = (set: (value: string) => void) => (event: Event) =>
  set((event.currentTarget as HTMLInputElement).value)

function ProfileForm({ me }: { me: Me }) {
  const [displayName, setDisplayName] = useState(me.displayName)
  const [bio, setBio] = useState(me.bio ?? '')
  const [avatar, setAvatar] = useState<File | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [saved, setSaved] = useState(false)
  const [busy, setBusy] = useState(false)
  const avatarId = useId()
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    setSaved(false)
    try {
      let avatarUrl: string | undefined
      if (avatar) {
        const form = new FormData()
        form.append('file', avatar)
        form.append('description', `Avatar of ${displayName}`)
        avatarUrl = (await apiJson<Media>('/api/media', { method: 'POST', body: form })).url
      }
      const updated = await apiJson<Me>(
        '/api/users/me',
        jsonBody('PATCH', { displayName, bio, ...(avatarUrl ? { avatarUrl } : {}) }),
      )
      updateMe(updated)
      setAvatar(null)
      setSaved(true)
    } catch (failure) {
      setError(asApiError(failure))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <ProblemMessage error={error} fields={['displayName', 'bio']} />
      <Field
        label="Display name"
        name="displayName"
        value={displayName}
        onInput={onValue(setDisplayName)}
        error={error}
      />
      <Field
        label="Bio"
        name="bio"
        multiline
        value={bio}
        maxLength={300}
        onInput={onValue(setBio)}
        error={error}
      />
      <div class="field">
        <label for={avatarId}>Avatar picture</label>
        <Avatar url={me.avatarUrl} alt="Your current avatar" />
        <input
          id={avatarId}
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          onChange={(event) =>
            setAvatar((event.currentTarget as HTMLInputElement).files?.[0] ?? null)
          }
        />
      </div>
      <button type="submit" disabled={busy}>
        Save profile
      </button>
      {saved ? <p role="status">Saved.</p> : null}
    </form>
  )
}

function PasswordForm() {
  const [currentPassword, setCurrentPassword] = useState('')
  const [newPassword, setNewPassword] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [saved, setSaved] = useState(false)
  const submit = (event: Event) => {
    event.preventDefault()
    setError(null)
    apiFetch('/api/auth/password/change', jsonBody('POST', { currentPassword, newPassword })).then(
      () => {
        setCurrentPassword('')
        setNewPassword('')
        setSaved(true)
      },
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  return (
    <form onSubmit={submit} aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <ProblemMessage error={error} fields={['currentPassword', 'newPassword']} />
      <Field
        label="Current password"
        name="currentPassword"
        type="password"
        value={currentPassword}
        onInput={onValue(setCurrentPassword)}
        error={error}
        autoComplete="current-password"
        required
      />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        value={newPassword}
        onInput={onValue(setNewPassword)}
        error={error}
        autoComplete="new-password"
        required
      />
      <button type="submit">Change password</button>
      {saved ? <p role="status">Password changed; your other sessions have ended.</p> : null}
    </form>
  )
}

interface Session {
  id: string
  createdAt: string
  lastUsedAt: string
  ip: string | null
  userAgent: string | null
  current: boolean
}

function Sessions() {
  const [loaded, reload] = useResource<{ items: Session[] }>('/api/auth/sessions')
  const [error, setError] = useState<ApiError | null>(null)
  const revoke = (session: Session) =>
    apiFetch(`/api/auth/sessions/${session.id}`, { method: 'DELETE' }).then(
      () => {
        if (session.current) {
          forgetSession()
          navigate('/login')
        } else reload()
      },
      (failure: unknown) => setError(asApiError(failure)),
    )
  const logoutEverywhere = () =>
    apiFetch('/api/auth/logout-all', { method: 'POST' }).then(
      () => {
        forgetSession()
        navigate('/login')
      },
      (failure: unknown) => setError(asApiError(failure)),
    )
  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <ProblemMessage error={error} />
      {loaded.state === 'loading' ? <p role="status">Loading…</p> : null}
      {loaded.state === 'failed' ? <ProblemMessage error={loaded.error} /> : null}
      {loaded.state === 'ready' ? (
        <ul class="users">
          {loaded.value.items.map((session) => (
            <li key={session.id}>
              <p>
                <strong>{session.userAgent ?? 'Unknown device'}</strong>
                {session.current ? ' (this browser)' : ''}
              </p>
              <p class="muted">
                {session.ip ?? 'unknown address'} · signed in {formatTime(session.createdAt)} · last
                used {formatTime(session.lastUsedAt)}
              </p>
              <button type="button" class="secondary" onClick={() => revoke(session)}>
                {session.current ? 'Log out here' : 'Revoke'}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <button type="button" class="danger" onClick={logoutEverywhere}>
        Log out everywhere
      </button>
    </section>
  )
}

function DeleteAccount() {
  const [open, setOpen] = useState(false)
  const [password, setPassword] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  if (!open) {
    return (
      <section aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete account</h2>
        <button type="button" class="secondary" onClick={() => setOpen(true)}>
          Delete my account…
        </button>
      </section>
    )
  }
  const submit = (event: Event) => {
    event.preventDefault()
    apiFetch('/api/users/me', jsonBody('DELETE', { password })).then(
      () => {
        forgetSession()
        navigate('/')
      },
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  return (
    <form onSubmit={submit} aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete account</h2>
      <p>
        Your profile, posts, comments, likes, reposts and follows disappear everywhere, and every
        session ends.
      </p>
      <ProblemMessage error={error} fields={['password']} />
      <Field
        label="Password"
        name="password"
        type="password"
        value={password}
        onInput={onValue(setPassword)}
        error={error}
        autoComplete="current-password"
        required
      />
      <button type="submit" class="danger">
        Delete my account
      </button>{' '}
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  )
}

export function SettingsScreen() {
  useTitle('Settings')
  const me = useMe() as Me
  return (
    <main>
      <h1>Settings</h1>
      <ProfileForm me={me} />
      <PasswordForm />
      <Sessions />
      <DeleteAccount />
    </main>
  )
}
