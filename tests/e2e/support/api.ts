import { expect } from 'vitest'

export const baseUrl = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:18080').replace(/\/+$/, '')

export interface ApiResponse {
  status: number
  headers: Headers
  text: string
  /** The parsed body when the response declares a JSON media type, otherwise undefined. */
  body: unknown
}

export interface RequestOptions {
  method?: string
  /** Serialised as JSON with `Content-Type: application/json`. */
  json?: unknown
  /** Sent as is; set the content type through `headers`. */
  body?: string
  token?: string
  headers?: Record<string, string>
}

export interface Problem {
  type: string
  code: string
  title: string
  status: number
  detail?: string
  errors?: { path: string; message: string }[]
}

export interface PublicUser {
  id: string
  username: string
  displayName: string
  bio: string | null
  avatarUrl: string | null
  createdAt: string
  followersCount: number
  followingCount: number
  postsCount: number
}

export interface Me extends PublicUser {
  email: string
  emailVerified: boolean
  role: 'user' | 'moderator' | 'admin'
  status: 'active' | 'banned' | 'deleted'
}

export interface AuthorSummary {
  id: string
  username: string
  displayName: string
  avatarUrl: string | null
}

export type Visibility = 'public' | 'followers' | 'private'

export interface Post {
  id: string
  author: AuthorSummary
  title: string | null
  content: string
  tags: string[]
  mentions: string[]
  visibility: Visibility
  likeCount: number
  commentCount: number
  repostCount: number
  likedByMe: boolean
  repostedByMe: boolean
  poll: Poll | null
  media: Media[]
  createdAt: string
  updatedAt: string
}

export interface Poll {
  options: { text: string; votes: number }[]
  totalVotes: number
  votersCount: number
  multiple: boolean
  expiresAt: string
  closed: boolean
  myChoices: number[] | null
}

export interface Media {
  id: string
  type: 'image'
  url: string
  previewUrl: string
  width: number
  height: number
  size: number
  description: string | null
}

export interface Comment {
  id: string
  postId: string
  parentId: string | null
  author: AuthorSummary
  content: string
  createdAt: string
  updatedAt: string
}

export interface Report {
  id: string
  status: 'open' | 'resolved' | 'dismissed'
  createdAt: string
}

export interface FeedItem {
  type: 'post' | 'repost'
  post: Post
  repostedBy: AuthorSummary | null
  at: string
}

export interface AdminUser {
  id: string
  username: string
  email: string
  displayName: string
  role: 'user' | 'moderator' | 'admin'
  status: 'active' | 'banned' | 'deleted'
  emailVerified: boolean
  createdAt: string
  bannedAt: string | null
  banReason: string | null
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface Tokens {
  accessToken: string
  refreshToken: string
  tokenType: 'Bearer'
  expiresIn: number
  user: Me
}

/** Sends one request to the gateway and reads the whole response. */
export async function request(path: string, options: RequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers }
  let body = options.body
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(options.json)
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  })
  const text = await response.text()
  const contentType = response.headers.get('content-type') ?? ''
  const isJson = /^application\/([\w.+-]+\+)?json\b/i.test(contentType) && text.length > 0
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: isJson ? JSON.parse(text) : undefined,
  }
}

/** POSTs a JSON body. */
export function post(path: string, json: unknown, options: RequestOptions = {}) {
  return request(path, { ...options, method: 'POST', json })
}

/** PATCHes a JSON body. */
export function patch(path: string, json: unknown, options: RequestOptions = {}) {
  return request(path, { ...options, method: 'PATCH', json })
}

/** DELETEs, with a JSON body when one is given. */
export function del(path: string, options: RequestOptions = {}) {
  return request(path, { ...options, method: 'DELETE' })
}

/** Appends the defined entries of `query` to `path` as a query string. */
export function withQuery(
  path: string,
  query: Record<string, string | number | undefined>,
): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value))
  }
  const search = params.toString()
  return search ? `${path}?${search}` : path
}

/** Asserts the status of a response whose body does not matter (204, 202). */
export function expectStatus(response: ApiResponse, status: number): void {
  expect({ status: response.status, body: response.body ?? response.text }).toMatchObject({
    status,
  })
}

/** Asserts a JSON success response with the given status and returns its body. */
export function expectJson<T>(response: ApiResponse, status: number): T {
  expect({ status: response.status, body: response.body ?? response.text }).toMatchObject({
    status,
  })
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  return response.body as T
}

/** Asserts an RFC 9457 problem response with the given status and code and returns its body. */
export function expectProblem(response: ApiResponse, status: number, code: string): Problem {
  expect({ status: response.status, body: response.body ?? response.text }).toMatchObject({
    status,
    body: { code },
  })
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const problem = response.body as Problem
  expect(problem).toMatchObject({ type: `/problems/${code}`, code, status })
  expect(problem.title).toEqual(expect.any(String))
  return problem
}

/** Asserts a 422 whose `errors` name `path` among the offending fields. */
export function expectFieldError(response: ApiResponse, path: string): Problem {
  const problem = expectProblem(response, 422, 'validation-failed')
  expect(problem.errors?.map((error) => error.path)).toContain(path)
  return problem
}
