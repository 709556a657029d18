import { eventually } from '@chatty/testing'
import { expect } from 'vitest'

import {
  type ApiResponse,
  del,
  expectJson,
  type FeedItem,
  type Me,
  type Page,
  type Post,
  post,
  request,
  type Visibility,
  withQuery,
} from './api.js'
import { login, type NewUser, registerVerifiedUser, uniqueSuffix } from './users.js'

/** How long another service may take to learn something through the broker. */
export const eventTimeoutMs = 5_000

/** A verified, logged-in account. */
export interface Member extends NewUser {
  id: string
  me: Me
  token: string
}

/**
 * Waits until posts and subscription have projected the account from auth's UserRegistered:
 * until then they answer 404 for the username.
 */
export async function waitUntilKnown(username: string): Promise<void> {
  await eventually(async () => {
    expectJson(await request(withQuery('/api/posts', { author: username, limit: 1 })), 200)
    expectJson(await request(`/api/subscriptions/${username}/followers`), 200)
  }, eventTimeoutMs)
}

/** Registers and verifies a fresh account, logs it in and waits until posts and subscription know it. */
export async function registerMember(): Promise<Member> {
  const user = await registerVerifiedUser()
  const { accessToken } = await login(user)
  await waitUntilKnown(user.username)
  return { ...user, id: user.me.id, token: accessToken }
}

export interface NewPost {
  content?: string
  title?: string
  visibility?: Visibility
}

/** Publishes a post as `author` with unique content unless told otherwise. */
export async function publish(author: Member, body: NewPost = {}): Promise<Post> {
  const created = expectJson<Post>(
    await post(
      '/api/posts',
      { content: `e2e post ${uniqueSuffix()}`, ...body },
      {
        token: author.token,
      },
    ),
    201,
  )
  expect(created.author.id).toBe(author.id)
  return created
}

export function follow(follower: Member, username: string): Promise<ApiResponse> {
  return post(`/api/subscriptions/${username}`, undefined, { token: follower.token })
}

export function unfollow(follower: Member, username: string): Promise<ApiResponse> {
  return del(`/api/subscriptions/${username}`, { token: follower.token })
}

/** Follows `username` and asserts that the follow is new. */
export async function startFollowing(follower: Member, username: string): Promise<void> {
  expect(expectJson(await follow(follower, username), 201)).toEqual({ following: true })
}

export async function readFeed(
  reader: Member,
  query: { limit?: number; cursor?: string } = {},
): Promise<Page<FeedItem>> {
  return expectJson<Page<FeedItem>>(
    await request(withQuery('/api/feed', query), { token: reader.token }),
    200,
  )
}

/** Ids of the posts at the top of the reader's feed (the suite's feeds are short). */
export async function feedPostIds(reader: Member): Promise<string[]> {
  return (await readFeed(reader, { limit: 100 })).items.map((item) => item.post.id)
}

export function waitForFeedToContain(
  reader: Member,
  postId: string,
  timeoutMs = eventTimeoutMs,
): Promise<void> {
  return eventually(async () => {
    expect(await feedPostIds(reader)).toContain(postId)
  }, timeoutMs)
}

export function waitForFeedToLack(
  reader: Member,
  postId: string,
  timeoutMs = eventTimeoutMs,
): Promise<void> {
  return eventually(async () => {
    expect(await feedPostIds(reader)).not.toContain(postId)
  }, timeoutMs)
}

/** GET /api/posts/{id}, anonymously unless a reader is given. */
export function readPost(postId: string, reader?: Member): Promise<ApiResponse> {
  return request(`/api/posts/${postId}`, { token: reader?.token })
}
