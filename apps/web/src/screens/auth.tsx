import { useEffect, useState } from 'preact/hooks'

import type { ApiError, Me } from '../api.js'
import { Field, ProblemMessage } from '../components/forms.js'
import { asApiError, useTitle } from '../hooks.js'
import { Link, navigate } from '../router.js'
import { apiFetch, apiJson, jsonBody, login, updateMe } from '../session.js'

function useSubmit(action: () => Promise<void>) {
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const run = () => {
    if (busy) return
    setBusy(true)
    setError(null)
    action()
      .catch((failure: unknown) => setError(asApiError(failure)))
      .finally(() => setBusy(false))
  }
  const onSubmit = (event: Event) => {
    event.preventDefault()
    run()
  }
  return { error, busy, onSubmit, run }
}

type Setter = (value: string) => void
const onValue = (set: Setter) => (event: Event) =>
  set((event.currentTarget as HTMLInputElement).value)

export function RegisterScreen() {
  useTitle('Create your account')
  const [username, setUsername] = useState('')
  const [displayName, setDisplayName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { error, busy, onSubmit } = useSubmit(async () => {
    await apiJson<Me>(
      '/api/auth/register',
      jsonBody('POST', { username, email, password, ...(displayName ? { displayName } : {}) }),
    )
    navigate(`/verify-email?email=${encodeURIComponent(email)}`)
  })
  return (
    <main class="narrow">
      <h1>Create your account</h1>
      <form onSubmit={onSubmit} noValidate>
        <ProblemMessage error={error} fields={['username', 'displayName', 'email', 'password']} />
        <Field
          label="Username"
          name="username"
          value={username}
          onInput={onValue(setUsername)}
          error={error}
          autoComplete="username"
          required
        />
        <Field
          label="Display name (optional)"
          name="displayName"
          value={displayName}
          onInput={onValue(setDisplayName)}
          error={error}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          value={email}
          onInput={onValue(setEmail)}
          error={error}
          autoComplete="email"
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onInput={onValue(setPassword)}
          error={error}
          autoComplete="new-password"
          hint="8 to 72 characters."
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link href="/login">Log in</Link>
      </p>
    </main>
  )
}

/**
 * Takes a code or reset token read from the address out of it, so it stays in neither the history
 * nor a shared screen. The screen keeps what it read.
 */
function dropSecretsFromAddress(): void {
  history.replaceState(history.state, '', location.pathname)
}

export function VerifyEmailScreen({ query }: { query: URLSearchParams }) {
  useTitle('Verify your email')
  const [email, setEmail] = useState(query.get('email') ?? '')
  const [code, setCode] = useState(query.get('code') ?? '')
  const [verified, setVerified] = useState(false)
  const [resent, setResent] = useState(false)
  const { error, busy, onSubmit, run } = useSubmit(async () => {
    updateMe(await apiJson<Me>('/api/auth/verify-email', jsonBody('POST', { email, code })))
    setVerified(true)
  })
  // The email's link carries both: following it verifies at once.
  useEffect(() => {
    dropSecretsFromAddress()
    if (query.get('email') && query.get('code')) run()
  }, [])
  const resend = useSubmit(async () => {
    await apiFetch('/api/auth/verify-email/resend', jsonBody('POST', { email }))
    setResent(true)
  })
  if (verified) {
    return (
      <main class="narrow">
        <h1>Email verified</h1>
        <p role="status">Your email is verified. You can now post, comment and follow people.</p>
        <Link href="/login" class="button">
          Log in
        </Link>
      </main>
    )
  }
  return (
    <main class="narrow">
      <h1>Verify your email</h1>
      <p>
        We sent a 6-digit code to your email address. Enter it here, or open the link in the email.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <ProblemMessage error={error} fields={['email', 'code']} />
        <Field
          label="Email"
          name="email"
          type="email"
          value={email}
          onInput={onValue(setEmail)}
          error={error}
          autoComplete="email"
          required
        />
        <Field
          label="Code"
          name="code"
          value={code}
          onInput={onValue(setCode)}
          error={error}
          inputMode="numeric"
          autoComplete="one-time-code"
          required
        />
        <button type="submit" disabled={busy}>
          Verify
        </button>
      </form>
      <form onSubmit={resend.onSubmit}>
        <ProblemMessage error={resend.error} />
        <button type="submit" class="secondary" disabled={resend.busy || !email}>
          Send a new code
        </button>
        {resent ? (
          <p role="status">If that address has an account, a new code is on its way.</p>
        ) : null}
      </form>
    </main>
  )
}

export function LoginScreen() {
  useTitle('Log in')
  const [loginName, setLoginName] = useState('')
  const [password, setPassword] = useState('')
  const { error, busy, onSubmit } = useSubmit(async () => {
    await login(loginName, password)
    navigate('/', { replace: true })
  })
  return (
    <main class="narrow">
      <h1>Log in</h1>
      <form onSubmit={onSubmit} noValidate>
        <ProblemMessage error={error} fields={['login', 'password']} />
        <Field
          label="Username or email"
          name="login"
          value={loginName}
          onInput={onValue(setLoginName)}
          error={error}
          autoComplete="username"
          required
        />
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
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link href="/register">Create an account</Link>
      </p>
    </main>
  )
}

export function ForgotPasswordScreen() {
  useTitle('Forgot your password?')
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const { error, busy, onSubmit } = useSubmit(async () => {
    await apiFetch('/api/auth/password/forgot', jsonBody('POST', { email }))
    setSent(true)
  })
  return (
    <main class="narrow">
      <h1>Forgot your password?</h1>
      {sent ? (
        <p role="status">
          If that address has an account, an email with a link to choose a new password is on its
          way. The link works once, for 30 minutes.
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <ProblemMessage error={error} fields={['email']} />
          <Field
            label="Email"
            name="email"
            type="email"
            value={email}
            onInput={onValue(setEmail)}
            error={error}
            autoComplete="email"
            required
          />
          <button type="submit" disabled={busy}>
            Send me a link
          </button>
        </form>
      )}
    </main>
  )
}

export function ResetPasswordScreen({ query }: { query: URLSearchParams }) {
  useTitle('Choose a new password')
  const [token] = useState(query.get('token') ?? '')
  useEffect(dropSecretsFromAddress, [])
  const [password, setPassword] = useState('')
  const [done, setDone] = useState(false)
  const { error, busy, onSubmit } = useSubmit(async () => {
    await apiFetch('/api/auth/password/reset', jsonBody('POST', { token, password }))
    setDone(true)
  })
  if (done) {
    return (
      <main class="narrow">
        <h1>Password changed</h1>
        <p role="status">Your password is changed and every session has ended.</p>
        <Link href="/login" class="button">
          Log in
        </Link>
      </main>
    )
  }
  return (
    <main class="narrow">
      <h1>Choose a new password</h1>
      {token ? null : (
        <p class="notice">
          This page needs the link from the reset email.{' '}
          <Link href="/forgot-password">Ask for one</Link>.
        </p>
      )}
      <form onSubmit={onSubmit} noValidate>
        <ProblemMessage error={error} fields={['password']} />
        <Field
          label="New password"
          name="password"
          type="password"
          value={password}
          onInput={onValue(setPassword)}
          error={error}
          autoComplete="new-password"
          hint="8 to 72 characters."
          required
        />
        <button type="submit" disabled={busy || !token}>
          Change password
        </button>
      </form>
    </main>
  )
}
