import { useEffect, useRef, useState } from 'preact/hooks'

import { useMe } from './hooks.js'
import { onUnreadCount, unreadCount } from './live.js'
import { matchPath } from './route-match.js'
import { Link, navigate, useLocation } from './router.js'
import { AdminUsersScreen } from './screens/admin.js'
import {
  ForgotPasswordScreen,
  LoginScreen,
  RegisterScreen,
  ResetPasswordScreen,
  VerifyEmailScreen,
} from './screens/auth.js'
import { HomeScreen } from './screens/feed.js'
import { AdminUserScreen, AuditLogScreen, ReportsScreen } from './screens/moderation.js'
import { NotificationsScreen } from './screens/notifications.js'
import { PostScreen } from './screens/post.js'
import { ConnectionsScreen, ProfileScreen } from './screens/profile.js'
import { SearchScreen, TagScreen } from './screens/search.js'
import { SettingsScreen } from './screens/settings.js'
import { logout } from './session.js'

function UnreadBadge() {
  const [count, setCount] = useState(unreadCount)
  useEffect(() => onUnreadCount(setCount), [])
  if (count === 0) return null
  return (
    <span class="badge" aria-label={`${count} unread`}>
      {count}
    </span>
  )
}

function Navigation() {
  const me = useMe()
  return (
    <header class="top">
      <nav aria-label="Main">
        <Link href="/" class="brand">
          Chatty
        </Link>
        <Link href="/search">Search</Link>
        {me ? (
          <>
            <Link href="/notifications" class="notifications-link">
              Notifications <UnreadBadge />
            </Link>
            <Link href={`/users/${me.username}`}>Profile</Link>
            <Link href="/settings">Settings</Link>
            {me.role === 'moderator' || me.role === 'admin' ? (
              <>
                <Link href="/admin/users">Moderation</Link>
                <Link href="/admin/reports">Reports</Link>
              </>
            ) : null}
            {me.role === 'admin' ? <Link href="/admin/audit-log">Audit log</Link> : null}
            <button
              type="button"
              class="plain"
              onClick={() => void logout().then(() => navigate('/login'))}
            >
              Log out
            </button>
          </>
        ) : (
          <>
            <Link href="/login">Log in</Link>
            <Link href="/register">Register</Link>
          </>
        )}
      </nav>
    </header>
  )
}

function SignInFirst() {
  return (
    <main class="narrow">
      <h1>Sign in to continue</h1>
      <p>
        <Link href="/login">Log in</Link> or <Link href="/register">create an account</Link>.
      </p>
    </main>
  )
}

function Screen() {
  const { path, query } = useLocation()
  const me = useMe()
  const signedIn = (screen: preact.JSX.Element) => (me ? screen : <SignInFirst />)
  if (matchPath('/', path)) return <HomeScreen />
  if (matchPath('/login', path)) return <LoginScreen />
  if (matchPath('/register', path)) return <RegisterScreen />
  if (matchPath('/verify-email', path)) return <VerifyEmailScreen query={query} />
  if (matchPath('/forgot-password', path)) return <ForgotPasswordScreen />
  if (matchPath('/reset-password', path)) return <ResetPasswordScreen query={query} />
  if (matchPath('/search', path)) return <SearchScreen key={query.get('q') ?? ''} query={query} />
  if (matchPath('/settings', path)) return signedIn(<SettingsScreen />)
  if (matchPath('/notifications', path)) return signedIn(<NotificationsScreen />)
  if (matchPath('/admin/users', path)) return signedIn(<AdminUsersScreen />)
  if (matchPath('/admin/reports', path)) return signedIn(<ReportsScreen />)
  if (matchPath('/admin/audit-log', path)) return signedIn(<AuditLogScreen />)
  let params = matchPath('/admin/users/:id', path)
  if (params?.id) return signedIn(<AdminUserScreen key={params.id} id={params.id} />)
  params = matchPath('/posts/:id', path)
  if (params?.id) return <PostScreen key={params.id} id={params.id} />
  params = matchPath('/tags/:tag', path)
  if (params?.tag) return <TagScreen key={params.tag} tag={params.tag} />
  params = matchPath('/users/:username', path)
  if (params?.username) return <ProfileScreen key={params.username} username={params.username} />
  params = matchPath('/users/:username/followers', path)
  if (params?.username)
    return <ConnectionsScreen username={params.username} direction="followers" />
  params = matchPath('/users/:username/following', path)
  if (params?.username)
    return <ConnectionsScreen username={params.username} direction="following" />
  return (
    <main>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link href="/">Go home</Link>.
      </p>
    </main>
  )
}

export function App() {
  const { path } = useLocation()
  const content = useRef<HTMLDivElement>(null)
  const firstPath = useRef(path)
  // After a client-side navigation, keyboard and screen reader users continue from the new content.
  useEffect(() => {
    if (path !== firstPath.current) content.current?.focus({ preventScroll: true })
    firstPath.current = ''
  }, [path])
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <Navigation />
      <div id="content" tabIndex={-1} ref={content}>
        <Screen />
      </div>
    </>
  )
}
