import { eventually } from '@chatty/testing'
import { describe, expect, it } from 'vitest'

import { expectJson, type Page, type Post, post, request, withQuery } from './support/api.js'
import { type Member, publish, registerMember, startFollowing } from './support/social.js'
import { uniqueSuffix } from './support/users.js'

/** The trending list is computed at most every 30 s per posts instance. */
const trendingWindowMs = 40_000

async function search(query: Record<string, string>, reader?: Member): Promise<string[]> {
  const page = expectJson<Page<Post>>(
    await request(withQuery('/api/posts', query), { token: reader?.token }),
    200,
  )
  return page.items.map((item) => item.id)
}

describe('full-text search', () => {
  it('finds a post by a word and by a phrase, not with -word, and never shows hidden posts', async () => {
    const author = await registerMember()
    const follower = await registerMember()
    const stranger = await registerMember()
    await startFollowing(follower, author.username)
    const word = `zq${uniqueSuffix()}`
    const open = await publish(author, { content: `the quick brown fox meets ${word}` })
    const closed = await publish(author, {
      content: `a quiet ${word} for followers`,
      visibility: 'followers',
    })

    expect(await search({ q: word }, stranger)).toEqual([open.id])
    expect(await search({ q: `"quick brown" ${word}` })).toEqual([open.id])
    expect(await search({ q: `${word} -fox` })).toEqual([])
    expect((await search({ q: word }, follower)).sort()).toEqual([open.id, closed.id].sort())
  })

  it('answers odd queries with a normal result or 422, never a 500', async () => {
    for (const q of ["'; drop table posts; --", '!!! & | :*', '"unclosed', 'a'.repeat(10_000)]) {
      const response = await request(withQuery('/api/posts', { q }))
      expect([200, 422]).toContain(response.status)
    }
  })
})

describe('popular posts', () => {
  it('orders by likes', async () => {
    const author = await registerMember()
    const fans = await Promise.all([registerMember(), registerMember()])
    const tag = `pop${uniqueSuffix()}`
    const liked = await publish(author, { content: `liked twice #${tag}` })
    const once = await publish(author, { content: `liked once #${tag}` })
    const never = await publish(author, { content: `not liked #${tag}` })
    for (const fan of fans) {
      expectJson(await post(`/api/posts/${liked.id}/like`, undefined, { token: fan.token }), 200)
    }
    expectJson(await post(`/api/posts/${once.id}/like`, undefined, { token: fans[0]?.token }), 200)

    expect(await search({ tag, sort: 'popular' })).toEqual([liked.id, once.id, never.id])
  })
})

describe('trending tags', () => {
  it('counts the distinct accounts that used a tag', async () => {
    const tag = `trend${uniqueSuffix()}`
    const members = await Promise.all([registerMember(), registerMember(), registerMember()])
    for (const member of members) await publish(member, { content: `on about #${tag}` })
    await publish(members[0] as Member, { content: `again #${tag}` })

    await eventually(async () => {
      const trending = expectJson<{ items: { tag: string; count: number }[] }>(
        await request(withQuery('/api/posts/trending-tags', { limit: 50 })),
        200,
      )
      expect(trending.items.find((item) => item.tag === tag)).toEqual({ tag, count: 3 })
    }, trendingWindowMs)
  }, 60_000)
})
