export const USERNAME_PATTERN = /^[A-Za-z0-9_]{3,30}$/

/** Names that would shadow routes or impersonate the service. */
const RESERVED = new Set([
  'me',
  'admin',
  'administrator',
  'root',
  'system',
  'support',
  'moderator',
  'mod',
  'health',
  'ready',
  'api',
  'auth',
  'login',
  'logout',
  'register',
  'settings',
  'feed',
  'posts',
  'users',
  'search',
  'explore',
  'notifications',
  'chatty',
  'openapi',
  'docs',
  'null',
  'undefined',
])

export function isReservedUsername(username: string): boolean {
  return RESERVED.has(username.toLowerCase())
}

/** How a typed login (username or email) is compared: any case, surrounding spaces ignored. */
export function normalizeLogin(login: string): string {
  return login.trim().toLowerCase()
}
