import { setTimeout as sleep } from 'node:timers/promises'

import { expect } from 'vitest'

import { type Post, post } from '../../e2e/support/api.js'
import { type Member, readFeed, registerMember, startFollowing } from '../../e2e/support/social.js'
import { uniqueSuffix } from '../../e2e/support/users.js'

/** Authors and the followers who follow every one of them. */
export interface Audience {
  authors: Member[]
  followers: Member[]
}

export async function registerAudience(
  authorCount: number,
  followerCount: number,
): Promise<Audience> {
  const members = await Promise.all(
    Array.from({ length: authorCount + followerCount }, () => registerMember()),
  )
  const audience: Audience = {
    authors: members.slice(0, authorCount),
    followers: members.slice(authorCount),
  }
  await Promise.all(
    audience.followers.flatMap((follower) =>
      audience.authors.map((author) => startFollowing(follower, author.username)),
    ),
  )
  return audience
}

export interface Written {
  postIds: string[]
  statuses: number[]
}

/**
 * Posts round-robin as `authors` at `perSecond` until `until` settles, without waiting for one
 * answer before sending the next; answers what was created and every status seen.
 */
export async function writePosts(
  authors: readonly Member[],
  perSecond: number,
  until: Promise<unknown>,
): Promise<Written> {
  let done = false
  void until.finally(() => {
    done = true
  })
  const requests: Promise<{ status: number; id?: string }>[] = []
  for (let index = 0; !done; index++) {
    const author = authors[index % authors.length] as Member
    requests.push(
      post('/api/posts', { content: `faults ${uniqueSuffix()}` }, { token: author.token }).then(
        (response) => ({ status: response.status, id: (response.body as Post | undefined)?.id }),
      ),
    )
    await sleep(1_000 / perSecond)
  }
  const answers = await Promise.all(requests)
  return {
    postIds: answers.filter((answer) => answer.status === 201).map((answer) => answer.id as string),
    statuses: answers.map((answer) => answer.status),
  }
}

/** Every post id of the reader's feed, page after page. */
export async function allFeedPostIds(reader: Member): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | undefined
  do {
    const page = await readFeed(reader, { limit: 100, cursor })
    ids.push(...page.items.map((item) => item.post.id))
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return ids
}

/** Asserts that the feed holds exactly `postIds`, each once. */
export async function expectFeedToHoldOnce(reader: Member, postIds: readonly string[]) {
  expect((await allFeedPostIds(reader)).toSorted()).toEqual(postIds.toSorted())
}

/** Status code → how many times it was seen, for the printed figures. */
export function countStatuses(statuses: readonly number[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1
  return counts
}
