import { ApiError, type Me, NETWORK_PROBLEM, problemOf, type Tokens } from './api.js'

/**
 * Token storage (docs/decisions.md, "Web client: tokens"): the access token lives only in this
 * module's memory; the refresh token is kept in localStorage so a reload or a new tab stays signed
 * in. Every refresh runs under one Web Lock shared by the tabs and re-reads the stored token inside
 * it, so two tabs never present the same refresh token (which the API treats as reuse and answers
 * by ending the session).
 */
const REFRESH_KEY = 'chatty.refreshToken'
const LOCK_NAME = 'chatty.refresh'

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

function adopt(tokens: Tokens): void {
  accessToken = tokens.accessToken
  localStorage.setItem(REFRESH_KEY, tokens.refreshToken)
  setUser(tokens.user)
}

function forget(): void {
  accessToken = null
  localStorage.removeItem(REFRESH_KEY)
  setUser(null)
}

// Logging out in one tab signs the others out too (they would fail at their next refresh anyway).
window.addEventListener('storage', (event) => {
  if (event.key === REFRESH_KEY && event.newValue === null && currentUser) {
    accessToken = null
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
  if (currentUser && currentUser.id === me.id) setUser(me)
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
  const stored = storedRefreshToken()
  forget()
  if (stored) await postJson('/api/auth/logout', { refreshToken: stored }).catch(() => undefined)
}

/** Ends the session here after the API ended it (log out everywhere, a revoked own session). */
export function forgetSession(): void {
  forget()
}

/** At start-up: a stored refresh token signs the person back in. */
export async function restoreSession(): Promise<void> {
  if (!storedRefreshToken()) return
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
