import type { AuthorSummary, FeedItem } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Logger } from '@chatty/logger'

import type { FeedConfig } from '../config.js'
import { User } from '../entities/user.entity.js'
import {
  type FeedEntry,
  type FeedPageSlice,
  type FeedPosition,
  mergeFeedPage,
  nextPosition,
  parseFeedMember,
} from './feed-page.js'
import {
  celebritiesFollowedBy,
  feedFromDatabase,
  postsFromDatabase,
  timelinesFromDatabase,
  waitForFeedWriters,
} from './feed-queries.js'
import type { CachedPost, FeedStore } from './feed-store.js'
import { pollAsSeen } from './polls.js'
import { type ReaderView, readerViewOf } from './reactions.js'

export interface HomeFeedPage {
  items: FeedItem[]
  next: FeedPosition | null
}

export interface FeedReader {
  feeds: FeedStore
  config: { feed: FeedConfig }
  clock: () => Date
  logger: Logger
}

export interface HomeFeedQuery {
  readerId: string
  position: FeedPosition | undefined
  limit: number
}

function toFeedItem(
  post: CachedPost,
  entry: FeedEntry,
  view: ReaderView,
  repostedBy: AuthorSummary | null,
  now: Date,
): FeedItem {
  return {
    type: repostedBy ? 'repost' : 'post',
    post: {
      ...post,
      likedByMe: view.likedByMe.has(post.id),
      repostedByMe: view.repostedByMe.has(post.id),
      poll: post.poll && pollAsSeen(post.poll, now, view.myChoices.get(post.id) ?? null),
    },
    repostedBy,
    at: new Date(entry.at).toISOString(),
  }
}

// Each attempt is undone only by a removal from this very feed landing during it; past this
// many, the page is served from PostgreSQL and the next read tries again.
const REBUILD_ATTEMPTS = 3

/**
 * Rebuilds a missing feed from PostgreSQL and answers its entries. The write is refused when the
 * feed's generation moved since `generation` was read (a removal landed while PostgreSQL was being
 * read), and the rebuild starts over; past `REBUILD_ATTEMPTS`, the entries are answered unstored.
 * Entries fan-out added meanwhile are kept in Redis but not answered: posts the rebuild's read did
 * not see yet, which this page may miss as a read a moment earlier would have.
 */
async function rebuildFeed(
  em: EntityManager,
  deps: FeedReader,
  readerId: string,
  generation: string,
): Promise<FeedEntry[]> {
  const limit = deps.config.feed.maxEntries
  let expected = generation
  let entries: FeedEntry[] = []
  for (let attempt = 1; attempt <= REBUILD_ATTEMPTS; attempt++) {
    await waitForFeedWriters(em, readerId)
    entries = await feedFromDatabase(em, readerId, limit, deps.clock())
    if (await deps.feeds.storeFeed(readerId, entries, expected)) {
      deps.logger.debug({ userId: readerId, attempt }, 'home feed rebuilt')
      return entries
    }
    expected = await deps.feeds.feedGeneration(readerId)
  }
  deps.logger.warn(
    { userId: readerId },
    'home feed kept changing during rebuilds; served from PostgreSQL',
  )
  return entries
}

/** Post bodies for a page: one MGET, then the misses in one query, cached for the next reader. */
async function loadPosts(
  em: EntityManager,
  deps: FeedReader,
  slice: FeedPageSlice,
): Promise<Map<string, CachedPost>> {
  const ids = [...new Set(slice.entries.map((entry) => parseFeedMember(entry.id).postId))]
  const posts = await deps.feeds.loadPosts(ids)
  const missing = ids.filter((id) => !posts.has(id))
  if (missing.length === 0) return posts
  const loaded = await postsFromDatabase(em, missing, deps.clock())
  for (const post of loaded) posts.set(post.id, post)
  // The reader need not wait for the cache write; a failed one only costs the next reader a query.
  deps.feeds
    .cachePosts(loaded)
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'caching posts failed'))
  return posts
}

/**
 * The items of a page. A post shows once, through its earliest entry: the reader view says which
 * repost entries stand, and of several entries of one post left on the page (a follow just
 * undone, say) the oldest is kept.
 */
function itemsOf(
  entries: readonly FeedEntry[],
  posts: ReadonlyMap<string, CachedPost>,
  view: ReaderView,
  readerId: string,
  now: Date,
): FeedItem[] {
  const shown = new Set<string>()
  const items: FeedItem[] = []
  for (const entry of [...entries].reverse()) {
    const { postId, reposterId } = parseFeedMember(entry.id)
    const post = posts.get(postId)
    // Gone (deleted, author banned) or private to someone else: a safety net behind the
    // removals that events make, never the main mechanism.
    if (!post || (post.visibility === 'private' && post.author.id !== readerId)) continue
    if (shown.has(postId)) continue
    let repostedBy: AuthorSummary | null = null
    if (reposterId !== null) {
      // The main mechanism for reposts of a post deleted, made non-public or whose author is
      // banned: their entries sit in the feeds of the reposters' followers, which the post's own
      // removals do not walk, and show again when the post does.
      repostedBy = view.reposters.get(entry.id) ?? null
      if (post.visibility !== 'public' || !repostedBy) continue
    }
    shown.add(postId)
    items.push(toFeedItem(post, entry, view, repostedBy, now))
  }
  return items.reverse()
}

/**
 * One page of a home feed, newest first: the reader's feed and the timelines of the celebrities
 * they follow in one Redis round trip, then post bodies (a second round trip) and what depends
 * on the reader (one query: flags, which reposts show). The cost depends on the page size and the
 * number of celebrities followed, never on the number of accounts followed.
 */
export async function readHomeFeed(
  em: EntityManager,
  deps: FeedReader,
  query: HomeFeedQuery,
): Promise<HomeFeedPage> {
  const { readerId, position, limit } = query
  const celebrities = await celebritiesFollowedBy(em, readerId, deps.clock())
  const read = await deps.feeds.readIds(readerId, celebrities, position, limit)
  if (read.firstReadThisHour) {
    // Recorded before any rebuild, so fan-out writes to this feed again from now on.
    await em.nativeUpdate(User, { id: readerId }, { lastActiveAt: deps.clock() })
  }
  // What was missing is rebuilt, and the page cut from what the rebuild read: whole lists, where
  // Redis answered only the page after `position`.
  const [feed = [], ...timelines] = read.sources
  const sources = [
    read.feedMissing ? await rebuildFeed(em, deps, readerId, read.feedGeneration) : feed,
    ...timelines,
  ]
  if (read.timelinesMissing.length > 0) {
    const rebuilt = await timelinesFromDatabase(
      em,
      read.timelinesMissing,
      deps.config.feed.maxEntries,
    )
    await deps.feeds.storeTimelines(rebuilt)
    sources.push(...rebuilt.values())
  }
  const slice = mergeFeedPage(sources, position, limit)
  const [posts, view] = await Promise.all([
    loadPosts(em, deps, slice),
    readerViewOf(em, { readerId, entries: slice.entries, now: deps.clock() }),
  ])
  return {
    items: itemsOf(slice.entries, posts, view, readerId, deps.clock()),
    next: nextPosition(slice),
  }
}
