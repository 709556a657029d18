import { describe, expect, it } from 'vitest'

import { mayBeInFollowerFeeds } from './feed-removals.js'
import { feedsPerRemovalPipeline } from './feed-store.js'

describe('mayBeInFollowerFeeds', () => {
  const marked = new Date('2026-12-01T12:00:00Z')

  it('says yes for every post of an author who is pushed', () => {
    expect(
      mayBeInFollowerFeeds({ celebrity: false, pushed_posts_until: null }, marked.getTime()),
    ).toBe(true)
  })

  it('says yes for a celebrity’s posts up to the mark and no for later ones', () => {
    const celebrity = { celebrity: true, pushed_posts_until: marked }
    expect(mayBeInFollowerFeeds(celebrity, marked.getTime())).toBe(true)
    expect(mayBeInFollowerFeeds(celebrity, marked.getTime() + 1)).toBe(false)
  })

  it('says no for a celebrity none of whose posts was ever pushed', () => {
    expect(mayBeInFollowerFeeds({ celebrity: true, pushed_posts_until: null }, 0)).toBe(false)
  })
})

describe('feedsPerRemovalPipeline', () => {
  it('fits a batch in one pipeline of at most 50 000 members, and at least one feed', () => {
    expect(feedsPerRemovalPipeline(1)).toBe(50_000)
    expect(feedsPerRemovalPipeline(800)).toBe(62)
    expect(feedsPerRemovalPipeline(100_000)).toBe(1)
  })
})
