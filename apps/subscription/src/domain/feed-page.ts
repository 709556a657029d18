import { z } from 'zod'

/**
 * One member of a feed or timeline sorted set and its time in ms (the score). The member is a
 * post's id, or for a repost `postId:reposterId` (see `feedMember`), so reposts are entries of
 * their own and a feed may hold one post through several of them.
 */
export interface FeedEntry {
  id: string
  at: number
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const MEMBER_PATTERN = new RegExp(`^${UUID}(:${UUID})?$`, 'i')

/** What a feed member stands for: a post, reposted by `reposterId` unless that is null. */
export interface FeedMember {
  postId: string
  reposterId: string | null
}

/** The feed member of a post, or of its repost by `reposterId`. */
export function feedMember(postId: string, reposterId: string | null = null): string {
  return reposterId === null ? postId : `${postId}:${reposterId}`
}

export function parseFeedMember(member: string): FeedMember {
  const [postId = member, reposterId = null] = member.split(':')
  return { postId, reposterId }
}

/** The members that are posts rather than reposts: those whose bodies may be cached. */
export function postMembersOf(members: readonly string[]): string[] {
  return members.filter((member) => parseFeedMember(member).reposterId === null)
}

/** Where a page ended: the last entry shown. The next page holds strictly older entries. */
export const feedPositionSchema = z.strictObject({
  at: z.number().int().nonnegative(),
  id: z.string().regex(MEMBER_PATTERN),
})
export type FeedPosition = z.infer<typeof feedPositionSchema>

/**
 * Newest first; entries of the same millisecond by id, descending, which is the order Redis
 * gives members of equal score in a reversed range.
 */
export function compareNewestFirst(a: FeedEntry, b: FeedEntry): number {
  if (a.at !== b.at) return b.at - a.at
  if (a.id === b.id) return 0
  return a.id < b.id ? 1 : -1
}

/** True when `entry` comes after `position` in newest-first order. */
export function isAfter(entry: FeedEntry, position: FeedPosition): boolean {
  return entry.at < position.at || (entry.at === position.at && entry.id < position.id)
}

/** Reads the flat `[member, score, member, score, …]` reply of a range WITHSCORES. */
export function entriesFromRange(reply: readonly string[]): FeedEntry[] {
  const entries: FeedEntry[] = []
  for (let index = 0; index + 1 < reply.length; index += 2) {
    entries.push({ id: reply[index] as string, at: Number(reply[index + 1]) })
  }
  return entries
}

export interface FeedPageSlice {
  /** At most `limit` entries, newest first. */
  entries: FeedEntry[]
  /** Whether at least one more entry follows the last one. */
  hasMore: boolean
}

/**
 * Cuts one page out of several sources (the home feed and the timelines of followed celebrities),
 * each holding at least the `limit + 1` newest entries after `position` that it has. An entry
 * found in more than one source is taken once (a post's reposts are entries of their own). Since
 * each position is a point in a total order, a page never repeats or skips an entry that existed
 * when the previous page was read, however many newer posts arrive in between.
 */
export function mergeFeedPage(
  sources: readonly (readonly FeedEntry[])[],
  position: FeedPosition | undefined,
  limit: number,
): FeedPageSlice {
  const seen = new Set<string>()
  const candidates: FeedEntry[] = []
  for (const source of sources) {
    for (const entry of source) {
      if (seen.has(entry.id)) continue
      if (position && !isAfter(entry, position)) continue
      seen.add(entry.id)
      candidates.push(entry)
    }
  }
  candidates.sort(compareNewestFirst)
  return { entries: candidates.slice(0, limit), hasMore: candidates.length > limit }
}

/** The position to continue after, or null on the last page. */
export function nextPosition(slice: FeedPageSlice): FeedPosition | null {
  const last = slice.entries.at(-1)
  return slice.hasMore && last ? { at: last.at, id: last.id } : null
}
