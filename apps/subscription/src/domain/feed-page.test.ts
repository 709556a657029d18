import { describe, expect, it } from 'vitest'

import {
  compareNewestFirst,
  entriesFromRange,
  type FeedEntry,
  feedMember,
  feedPositionSchema,
  isAfter,
  mergeFeedPage,
  nextPosition,
  parseFeedMember,
  postMembersOf,
} from './feed-page.js'

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
const entry = (n: number, at: number): FeedEntry => ({ id: id(n), at })

/** Pages through `sources` the way the API does; answers ids in order. */
function readAll(sources: FeedEntry[][], limit: number): string[] {
  const ids: string[] = []
  let position = undefined as ReturnType<typeof nextPosition> | undefined
  for (let guard = 0; guard < 100; guard++) {
    const slice = mergeFeedPage(sources, position ?? undefined, limit)
    ids.push(...slice.entries.map((e) => e.id))
    position = nextPosition(slice)
    if (!position) return ids
  }
  throw new Error('did not terminate')
}

describe('compareNewestFirst', () => {
  it('orders by time, newest first, and equal times by id descending', () => {
    const sorted = [entry(1, 10), entry(2, 30), entry(3, 20), entry(4, 20)].sort(compareNewestFirst)
    expect(sorted.map((e) => e.id)).toEqual([id(2), id(4), id(3), id(1)])
  })
})

describe('isAfter', () => {
  it('is true for older entries and for same-time entries with a smaller id', () => {
    const position = { at: 20, id: id(5) }
    expect(isAfter(entry(9, 10), position)).toBe(true)
    expect(isAfter(entry(4, 20), position)).toBe(true)
    expect(isAfter(entry(5, 20), position)).toBe(false)
    expect(isAfter(entry(6, 20), position)).toBe(false)
    expect(isAfter(entry(1, 30), position)).toBe(false)
  })
})

describe('entriesFromRange', () => {
  it('reads member/score pairs', () => {
    expect(entriesFromRange([id(1), '1700000000123', id(2), '5'])).toEqual([
      entry(1, 1_700_000_000_123),
      entry(2, 5),
    ])
    expect(entriesFromRange([])).toEqual([])
  })
})

describe('mergeFeedPage', () => {
  it('merges sources newest first and shows a post found in two sources once', () => {
    const feed = [entry(5, 50), entry(3, 30), entry(1, 10)]
    const timeline = [entry(4, 40), entry(3, 30), entry(2, 20)]
    const slice = mergeFeedPage([feed, timeline], undefined, 10)
    expect(slice.entries.map((e) => e.id)).toEqual([id(5), id(4), id(3), id(2), id(1)])
    expect(slice.hasMore).toBe(false)
    expect(nextPosition(slice)).toBeNull()
  })

  it('cuts a page of `limit` and continues strictly after its last entry', () => {
    const feed = [entry(5, 50), entry(3, 30), entry(1, 10)]
    const timeline = [entry(4, 40), entry(2, 20)]
    const first = mergeFeedPage([feed, timeline], undefined, 2)
    expect(first.entries.map((e) => e.id)).toEqual([id(5), id(4)])
    expect(nextPosition(first)).toEqual({ at: 40, id: id(4) })
    const second = mergeFeedPage([feed, timeline], { at: 40, id: id(4) }, 2)
    expect(second.entries.map((e) => e.id)).toEqual([id(3), id(2)])
    expect(second.hasMore).toBe(true)
  })

  it('pages through entries sharing a millisecond without repeating or skipping any', () => {
    const feed = [entry(9, 20), entry(7, 20), entry(5, 20), entry(3, 20), entry(1, 10)]
    expect(readAll([feed], 2)).toEqual([id(9), id(7), id(5), id(3), id(1)])
    expect(readAll([feed], 1)).toEqual([id(9), id(7), id(5), id(3), id(1)])
  })

  it('is unaffected by newer entries arriving between pages', () => {
    const before = [entry(4, 40), entry(3, 30), entry(2, 20), entry(1, 10)]
    const first = mergeFeedPage([before], undefined, 2)
    const after = [entry(6, 60), entry(5, 50), ...before]
    const second = mergeFeedPage([after], nextPosition(first) ?? undefined, 2)
    expect(second.entries.map((e) => e.id)).toEqual([id(2), id(1)])
    expect(second.hasMore).toBe(false)
  })

  it('answers an empty last page for empty sources', () => {
    expect(mergeFeedPage([[], []], undefined, 20)).toEqual({ entries: [], hasMore: false })
  })
})

describe('feed members', () => {
  it('name a post by its id and a repost by the post and the reposter, and read back', () => {
    expect(feedMember(id(1))).toBe(id(1))
    expect(parseFeedMember(id(1))).toEqual({ postId: id(1), reposterId: null })
    const repost = feedMember(id(1), id(2))
    expect(repost).not.toBe(id(1))
    expect(parseFeedMember(repost)).toEqual({ postId: id(1), reposterId: id(2) })
    expect(postMembersOf([id(3), repost, id(4)])).toEqual([id(3), id(4)])
  })

  it('are valid cursor positions, and nothing else is', () => {
    for (const member of [id(1), feedMember(id(1), id(2))]) {
      expect(feedPositionSchema.safeParse({ at: 5, id: member }).success).toBe(true)
    }
    for (const forged of ['x', `${id(1)}:`, `${id(1)}:${id(2)}:${id(3)}`, `${id(1)}:x`]) {
      expect(feedPositionSchema.safeParse({ at: 5, id: forged }).success).toBe(false)
    }
  })

  it('let a post and its reposts be separate entries of one page', () => {
    const repost = { id: feedMember(id(1), id(2)), at: 30 }
    const slice = mergeFeedPage([[repost, entry(1, 10)]], undefined, 10)
    expect(slice.entries).toEqual([repost, entry(1, 10)])
  })
})
