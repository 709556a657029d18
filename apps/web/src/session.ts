import { ApiError, type Me, NETWORK_PROBLEM, problemOf, type Tokens } from './api.js'

/**
 * Token storage (docs/decisions.md, "Web client: tokens"): the refresh token is kept in
 * localStorage so a reload or a new tab stays signed in; the access token, with its expiry and the
 * signed-in profile, in this tab's sessionStorage, so a reload within its lifetime spends no
 * refresh token (a reload during a refresh would otherwise lose the rotated token and end the
 * session as a replay). Every refresh runs under one Web Lock shared by the tabs and re-reads the
 * stored token inside it, so two tabs never present the same refresh token (which the API treats
 * as reuse and answers by ending the session).
 */
const REFRESH_KEY = 'chatty.refreshToken'
const ACCESS_KEY = 'chatty.access'
const LOCK_NAME = 'chatty.refresh'
// An access token this close to its expiry is refreshed rather than reused after a reload.
const EXPIRY_MARGIN_MS = 30_000

interface KeptAccess {
  token: string
  expiresAt: number
  user: Me
}

type Listener = (me: Me | null) => void

let accessToken: string | null = null
let currentUser: Me | null = null
const listeners = new Set<Listener>()

function storedRefreshToken(): string | null {
  return localStorage.getItem(REFRESH_KEY)
}

function setUser(me: Me | null): void {
  currentUser = me
  for (const listener of listeners) listener(me)
}

function keepAccess(kept: KeptAccess): void {
  sessionStorage.setItem(ACCESS_KEY, JSON.stringify(kept))
}

/** This tab's access token from before a reload, while it has time left. */
function keptAccess(): KeptAccess | null {
  try {
    const kept = JSON.parse(sessionStorage.getItem(ACCESS_KEY) ?? 'null') as KeptAccess | null
    return kept && kept.expiresAt - EXPIRY_MARGIN_MS > Date.now() ? kept : null
  } catch {
    return null
  }
}

function adopt(tokens: Tokens): void {
  accessToken = tokens.accessToken
  localStorage.setItem(REFRESH_KEY, tokens.refreshToken)
  keepAccess({
    token: tokens.accessToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
    user: tokens.user,
  })
  setUser(tokens.user)
}

function forget(): void {
  accessToken = null
  localStorage.removeItem(REFRESH_KEY)
  sessionStorage.removeItem(ACCESS_KEY)
  setUser(null)
}

// Logging out in one tab signs the others out too (they would fail at their next refresh anyway).
window.addEventListener('storage', (event) => {
  if (event.key === REFRESH_KEY && event.newValue === null && currentUser) {
    accessToken = null
    sessionStorage.removeItem(ACCESS_KEY)
    setUser(null)
  }
})

export function currentMe(): Me | null {
  return currentUser
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Replaces the signed-in user's profile after a change (edit profile, verify). */
export function updateMe(me: Me): void {
  if (!currentUser || currentUser.id !== me.id) return
  const kept = keptAccess()
  if (kept) keepAccess({ ...kept, user: me })
  setUser(me)
}

async function postJson(path: string, body: unknown): Promise<Response> {
  try {
    return await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  } catch {
    throw new ApiError(NETWORK_PROBLEM)
  }
}

async function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  if ('locks' in navigator) return navigator.locks.request(LOCK_NAME, task)
  return task()
}

let refreshing: Promise<boolean> | null = null

/**
 * Trades the stored refresh token for new tokens; false when there is none or the API refused it
 * (the person is then signed out). Concurrent callers share one attempt.
 */
export function refreshSession(): Promise<boolean> {
  refreshing ??= withRefreshLock(async () => {
    const stored = storedRefreshToken()
    if (!stored) {
      forget()
      return false
    }
    // Read inside the lock: another tab may have rotated the token while this one waited.
    const response = await postJson('/api/auth/refresh', { refreshToken: stored })
    if (response.ok) {
      adopt((await response.json()) as Tokens)
      return true
    }
    // 401: the token is dead (expired, rotated, revoked); 403: the account is banned.
    if (response.status === 401 || response.status === 403) {
      forget()
      return false
    }
    throw await problemOf(response)
  }).finally(() => {
    refreshing = null
  })
  return refreshing
}

export async function login(loginName: string, password: string): Promise<Me> {
  const response = await postJson('/api/auth/login', { login: loginName, password })
  if (!response.ok) throw await problemOf(response)
  const tokens = (await response.json()) as Tokens
  adopt(tokens)
  return tokens.user
}

export async function logout(): Promise<void> {
  // A refresh under way would sign the person in again on this screen once it answered.
  await refreshing?.catch(() => undefined)
  const stored = storedRefreshToken()
  forget()
  if (stored) await postJson('/api/auth/logout', { refreshToken: stored }).catch(() => undefined)
}

/** Ends the session here after the API ended it (log out everywhere, a revoked own session). */
export function forgetSession(): void {
  forget()
}

/**
 * At start-up: this tab's access token signs the person back in while it lasts (a revoked one is
 * refused at the first request, which then refreshes); otherwise the stored refresh token does.
 */
export async function restoreSession(): Promise<void> {
  if (!storedRefreshToken()) {
    sessionStorage.removeItem(ACCESS_KEY)
    return
  }
  const kept = keptAccess()
  if (kept) {
    accessToken = kept.token
    setUser(kept.user)
    return
  }
  try {
    await refreshSession()
  } catch {
    // The API is unreachable; the person can still read public pages and retry later.
  }
}

/**
 * Fetches an API path with the access token, refreshing it once when the API says it expired.
 * Throws ApiError with the API's problem details for any non-2xx answer.
 */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const send = () => {
    const headers = new Headers(init.headers)
    if (accessToken) headers.set('authorization', `Bearer ${accessToken}`)
    return fetch(path, { ...init, headers })
  }
  let response: Response
  try {
    if (!accessToken && storedRefreshToken()) await refreshSession()
    response = await send()
    // An expired access token: one refresh (under the lock, with the newest stored token), one retry.
    if (response.status === 401 && accessToken !== null && (await refreshSession())) {
      response = await send()
    }
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw new ApiError(NETWORK_PROBLEM)
  }
  if (!response.ok) throw await problemOf(response)
  return response
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await apiFetch(path, init)
  return (await response.json()) as T
}

/** A JSON request body with the method; for apiJson/apiFetch. */
export function jsonBody(method: string, body?: unknown): RequestInit {
  return body === undefined
    ? { method }
    : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}
