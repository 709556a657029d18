import type { FeedItem } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'

import type { SubscriptionContext } from '../context.js'
import {
  type FeedEntry,
  type FeedPageSlice,
  type FeedPosition,
  mergeFeedPage,
  nextPosition,
} from './feed-page.js'
import {
  celebritiesFollowedBy,
  feedFromDatabase,
  postsFromDatabase,
  timelinesFromDatabase,
  waitForFeedWriters,
} from './feed-queries.js'
import type { CachedPost } from './feed-store.js'

export interface HomeFeedPage {
  items: FeedItem[]
  next: FeedPosition | null
}

type FeedReader = Pick<SubscriptionContext, 'orm' | 'feeds' | 'config' | 'clock' | 'logger'>

function toFeedItem(post: CachedPost, entry: FeedEntry): FeedItem {
  return {
    type: 'post',
    post: {
      ...post,
      likeCount: 0,
      commentCount: 0,
      repostCount: 0,
      likedByMe: false,
      repostedByMe: false,
    },
    repostedBy: null,
    at: new Date(entry.at).toISOString(),
  }
}

// Each attempt is undone only by a removal from this very feed landing during it; past this
// many, the page is served from PostgreSQL and the next read tries again.
const REBUILD_ATTEMPTS = 3

/**
 * Rebuilds a missing feed from PostgreSQL. The write is refused when the feed's generation moved
 * since `generation` was read (a removal landed while PostgreSQL was being read), and the rebuild
 * starts over. Answers the feed as read from PostgreSQL when it could not be stored.
 */
async function rebuildFeed(
  ctx: FeedReader,
  em: EntityManager,
  readerId: string,
  generation: string,
): Promise<FeedEntry[] | null> {
  const limit = ctx.config.feed.maxEntries
  let expected = generation
  let entries: FeedEntry[] = []
  for (let attempt = 1; attempt <= REBUILD_ATTEMPTS; attempt++) {
    await waitForFeedWriters(em, readerId)
    entries = await feedFromDatabase(em, readerId, limit, ctx.clock())
    if (await ctx.feeds.storeFeed(readerId, entries, expected)) {
      ctx.logger.debug({ userId: readerId, attempt }, 'home feed rebuilt')
      return null
    }
    expected = await ctx.feeds.feedGeneration(readerId)
  }
  ctx.logger.warn(
    { userId: readerId },
    'home feed kept changing during rebuilds; served from PostgreSQL',
  )
  return entries
}

/** Post bodies for a page: one MGET, then the misses in one query, cached for the next reader. */
async function loadPosts(
  ctx: FeedReader,
  em: EntityManager,
  slice: FeedPageSlice,
): Promise<Map<string, CachedPost>> {
  const ids = slice.entries.map((entry) => entry.id)
  const posts = await ctx.feeds.loadPosts(ids)
  const missing = ids.filter((id) => !posts.has(id))
  if (missing.length === 0) return posts
  const loaded = await postsFromDatabase(em, missing, ctx.clock())
  for (const post of loaded) posts.set(post.id, post)
  // The reader need not wait for the cache write; a failed one only costs the next reader a query.
  ctx.feeds
    .cachePosts(loaded)
    .catch((error: unknown) => ctx.logger.warn({ err: error }, 'caching posts failed'))
  return posts
}

/**
 * One page of a home feed, newest first: the reader's feed and the timelines of the celebrities
 * they follow in one Redis round trip, post bodies in a second. The cost depends on the page size
 * and the number of celebrities followed, never on the number of accounts followed.
 */
export async function readHomeFeed(
  ctx: FeedReader,
  readerId: string,
  position: FeedPosition | undefined,
  limit: number,
): Promise<HomeFeedPage> {
  const em = ctx.orm.em.fork()
  const celebrities = await celebritiesFollowedBy(em, readerId, ctx.clock())
  let read = await ctx.feeds.readIds(readerId, celebrities, position, limit)
  if (read.firstReadThisHour) {
    // Recorded before any rebuild, so fan-out writes to this feed again from now on.
    await em.execute('update users set last_active_at = ? where id = ?', [ctx.clock(), readerId])
  }
  let unstoredFeed: FeedEntry[] | null = null
  if (read.feedMissing || read.timelinesMissing.length > 0) {
    if (read.feedMissing) {
      unstoredFeed = await rebuildFeed(ctx, em, readerId, read.feedGeneration)
    }
    if (read.timelinesMissing.length > 0) {
      const timelines = await timelinesFromDatabase(
        em,
        read.timelinesMissing,
        ctx.config.feed.maxEntries,
      )
      await ctx.feeds.storeTimelines(timelines)
    }
    read = await ctx.feeds.readIds(readerId, celebrities, position, limit)
  }

  const sources = unstoredFeed ? [unstoredFeed, ...read.sources.slice(1)] : read.sources
  const slice = mergeFeedPage(sources, position, limit)
  const posts = await loadPosts(ctx, em, slice)
  const items: FeedItem[] = []
  for (const entry of slice.entries) {
    const post = posts.get(entry.id)
    // Gone (deleted, author banned) or private to someone else: a safety net behind the
    // removals that events make, never the main mechanism.
    if (!post || (post.visibility === 'private' && post.author.id !== readerId)) continue
    items.push(toFeedItem(post, entry))
  }
  return { items, next: nextPosition(slice) }
}
