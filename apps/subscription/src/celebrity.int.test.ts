import { PostReposted, PostUnreposted } from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { feedKeys } from './domain/feed-keys.js'
import { nextPostTime, startSubscription, type SubscriptionHarness } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  // Any author with two or more followers counts as a celebrity in this file.
  sub = await startSubscription({ FEED_FANOUT_MAX_FOLLOWERS: '1' })
})

afterAll(async () => {
  await sub?.close()
})

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
    for (const reader of [fan, otherFan, stranger]) await sub.feedIds(reader)

    const friendOld = await sub.createPost(friend, { createdAt: nextPostTime() })
    const starFirst = await sub.createPost(star, { createdAt: nextPostTime() })
    const friendNew = await sub.createPost(friend, { createdAt: nextPostTime() })
    const starSecond = await sub.createPost(star, { createdAt: nextPostTime() })
    const starPrivate = await sub.createPost(star, {
      createdAt: nextPostTime(),
      visibility: 'private',
    })

    // Not pushed: the fans' feeds in Redis lack the star's posts…
    expect(await sub.feedKeyMembers(fan.id)).toEqual([friendNew, friendOld])
    expect(await sub.feedKeyMembers(otherFan.id)).toEqual([])
    // …but reading merges them in, newest first, across pages.
    const expected = [starSecond, friendNew, starFirst, friendOld]
    expect(await sub.feedIds(fan)).toEqual(expected)
    expect(await sub.allFeedIds(fan, 1)).toEqual(expected)
    expect(await sub.allFeedIds(fan, 3)).toEqual(expected)
    expect(await sub.feedIds(otherFan)).toEqual([starSecond, starFirst])
    expect(await sub.feedIds(stranger)).toEqual([])
    // The star sees their own posts, private one included.
    expect(await sub.feedIds(star)).toEqual([starPrivate, starSecond, starFirst])
  })

  it('merges a celebrity timeline rebuilt from PostgreSQL when Redis lost it', async () => {
    const [star, fan, otherFan] = [
      await sub.registerUser('star'),
      await sub.registerUser('fan'),
      await sub.registerUser('fan2'),
    ]
    await sub.follow(fan, star)
    await sub.follow(otherFan, star)
    await sub.feedIds(fan)
    const first = await sub.createPost(star, { createdAt: nextPostTime() })
    const second = await sub.createPost(star, { createdAt: nextPostTime() })
    expect(await sub.feedIds(fan)).toEqual([second, first])

    await sub.ctx.redis.del(
      feedKeys.timeline(star.id),
      feedKeys.timelineBuilt(star.id),
      feedKeys.feed(fan.id),
      feedKeys.feedBuilt(fan.id),
    )
    expect(await sub.feedIds(fan)).toEqual([second, first])
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
    await sub.feedIds(fan)
    const postId = await sub.createPost(star, { createdAt: nextPostTime() })
    expect(await sub.feedIds(fan)).toEqual([postId])

    await sub.unfollow(fan, star)
    expect(await sub.feedIds(fan)).toEqual([])
  })

  it('merges a celebrity’s reposts from their timeline, also once rebuilt from PostgreSQL', async () => {
    const [star, fan, otherFan, author] = [
      await sub.registerUser('star'),
      await sub.registerUser('fan'),
      await sub.registerUser('fan2'),
      await sub.registerUser('author'),
    ]
    await sub.follow(fan, star)
    await sub.follow(otherFan, star)
    await sub.feedIds(fan)
    const post = { id: await sub.createPost(author, { createdAt: nextPostTime() }), author }
    const repostedAt = nextPostTime()
    await sub.react(PostReposted, star, post, repostedAt)

    expect(await sub.feedKeyMembers(fan.id)).toEqual([])
    const expected = [{ type: 'repost', id: post.id, by: star.id, at: repostedAt.toISOString() }]
    const shown = async () =>
      (await sub.readFeed(fan)).items.map((item) => ({
        type: item.type,
        id: item.post.id,
        by: item.repostedBy?.id,
        at: item.at,
      }))
    expect(await shown()).toEqual(expected)

    await sub.ctx.redis.del(feedKeys.timeline(star.id), feedKeys.timelineBuilt(star.id))
    expect(await shown()).toEqual(expected)

    await sub.react(PostUnreposted, star, post, nextPostTime())
    expect(await shown()).toEqual([])
  })
})
