import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { feedKeys } from './domain/feed-keys.js'
import { startSubscription, type SubscriptionHarness, type TestUser } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  // Any author with two or more followers counts as a celebrity in this file.
  sub = await startSubscription({ FEED_FANOUT_MAX_FOLLOWERS: '1' })
})

afterAll(async () => {
  await sub?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

async function feedIds(user: TestUser, query = ''): Promise<string[]> {
  const res = await sub.request(`/api/feed${query}`, { token: user.token })
  expect(res.status).toBe(200)
  return (await json(res)).items.map((item: { post: { id: string } }) => item.post.id)
}

async function allFeedIds(user: TestUser, limit: number): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const res = await sub.request(`/api/feed?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, {
      token: user.token,
    })
    const page: Record<string, any> = await json(res)
    ids.push(...page.items.map((item: { post: { id: string } }) => item.post.id))
    cursor = page.nextCursor
  } while (cursor)
  return ids
}

let clock = Date.now() - 3_600_000
function nextTime(): Date {
  clock += 1_000
  return new Date(clock)
}

describe('celebrity authors', () => {
  it('are not pushed to followers, yet their posts show in followers’ feeds, merged in order', async () => {
    const [star, fan, otherFan, friend, stranger] = [
      await sub.registerUser('star'),
      await sub.registerUser('fan'),
      await sub.registerUser('fan2'),
      await sub.registerUser('friend'),
      await sub.registerUser('stranger'),
    ]
    await sub.follow(fan, star)
    await sub.follow(otherFan, star)
    await sub.follow(fan, friend)
    for (const reader of [fan, otherFan, stranger]) await feedIds(reader)

    const friendOld = await sub.createPost(friend, { createdAt: nextTime() })
    const starFirst = await sub.createPost(star, { createdAt: nextTime() })
    const friendNew = await sub.createPost(friend, { createdAt: nextTime() })
    const starSecond = await sub.createPost(star, { createdAt: nextTime() })
    const starPrivate = await sub.createPost(star, { createdAt: nextTime(), visibility: 'private' })

    // Not pushed: the fans' feeds in Redis lack the star's posts…
    expect(await sub.feedKeyMembers(fan.id)).toEqual([friendNew, friendOld])
    expect(await sub.feedKeyMembers(otherFan.id)).toEqual([])
    // …but reading merges them in, newest first, across pages.
    const expected = [starSecond, friendNew, starFirst, friendOld]
    expect(await feedIds(fan)).toEqual(expected)
    expect(await allFeedIds(fan, 1)).toEqual(expected)
    expect(await allFeedIds(fan, 3)).toEqual(expected)
    expect(await feedIds(otherFan)).toEqual([starSecond, starFirst])
    expect(await feedIds(stranger)).toEqual([])
    // The star sees their own posts, private one included.
    expect(await feedIds(star)).toEqual([starPrivate, starSecond, starFirst])
  })

  it('merges a celebrity timeline rebuilt from PostgreSQL when Redis lost it', async () => {
    const [star, fan, otherFan] = [
      await sub.registerUser('star'),
      await sub.registerUser('fan'),
      await sub.registerUser('fan2'),
    ]
    await sub.follow(fan, star)
    await sub.follow(otherFan, star)
    await feedIds(fan)
    const first = await sub.createPost(star, { createdAt: nextTime() })
    const second = await sub.createPost(star, { createdAt: nextTime() })
    expect(await feedIds(fan)).toEqual([second, first])

    await sub.ctx.redis.del(
      feedKeys.timeline(star.id),
      feedKeys.timelineBuilt(star.id),
      feedKeys.feed(fan.id),
      feedKeys.feedBuilt(fan.id),
    )
    expect(await feedIds(fan)).toEqual([second, first])
    expect(await sub.ctx.redis.zcard(feedKeys.timeline(star.id))).toBe(2)
  })

  it('stops merging a celebrity once unfollowed', async () => {
    const [star, fan, otherFan] = [
      await sub.registerUser('star'),
      await sub.registerUser('fan'),
      await sub.registerUser('fan2'),
    ]
    await sub.follow(fan, star)
    await sub.follow(otherFan, star)
    await feedIds(fan)
    const postId = await sub.createPost(star, { createdAt: nextTime() })
    expect(await feedIds(fan)).toEqual([postId])

    await sub.unfollow(fan, star)
    expect(await feedIds(fan)).toEqual([])
  })
})
