import type { AuthorSummary, Media, Visibility } from '@chatty/contracts'
import type { ChainableCommander, Redis } from 'ioredis'

import type { FeedConfig } from '../config.js'
import { feedKeys } from './feed-keys.js'
import { entriesFromRange, type FeedEntry, type FeedPosition } from './feed-page.js'
import type { CachedPoll } from './polls.js'

/**
 * A post as feeds render it, minus what depends on the reader; cached as JSON, shared by every
 * reader, and forgotten when the post, its author's profile or its counts change.
 */
export interface CachedPost {
  id: string
  author: AuthorSummary
  title: string | null
  content: string
  tags: string[]
  mentions: string[]
  visibility: Visibility
  likeCount: number
  commentCount: number
  repostCount: number
  poll: CachedPoll | null
  media: Media[]
  createdAt: string
  updatedAt: string
}

export interface FeedIdsRead {
  /** The feed has never been built, or Redis lost it: rebuild from PostgreSQL. */
  feedMissing: boolean
  /** Celebrities whose timeline must be rebuilt before their posts can be merged. */
  timelinesMissing: string[]
  /** The feed first, then one per celebrity timeline, each newest first. */
  sources: FeedEntry[][]
  /** True on the first read in an hour: the last-active time should be recorded. */
  firstReadThisHour: boolean
  /** The feed's generation, for `storeFeed` after a rebuild. */
  feedGeneration: string
}

export interface FeedStore {
  /** Adds entries to each owner's feed, trimmed to the cap, many feeds per pipeline. */
  addToFeeds(ownerIds: readonly string[], entries: readonly FeedEntry[]): Promise<void>
  /**
   * Removes entries, and makes rebuilds of these feeds in flight start over; one pipeline per
   * `feedsPerRemovalPipeline(postIds.length)` feeds.
   */
  removeFromFeeds(ownerIds: readonly string[], postIds: readonly string[]): Promise<void>
  /** Deletes feeds outright; they are rebuilt from PostgreSQL on their owner's next read. */
  dropFeeds(ownerIds: readonly string[]): Promise<void>
  /** Makes rebuilds of these feeds in flight start over, as a removal does. */
  invalidateRebuilds(ownerIds: readonly string[]): Promise<void>
  /** The current generation of a feed (see `feedKeys.feedGeneration`). */
  feedGeneration(ownerId: string): Promise<string>
  /** The oldest entry of a feed, or null when it is empty or missing. */
  oldestFeedEntry(ownerId: string): Promise<FeedEntry | null>
  /**
   * Replaces a missing feed by `entries` (and keeps whatever fan-out wrote meanwhile), unless its
   * generation is no longer `generation`: then nothing is written and the answer is false.
   */
  storeFeed(ownerId: string, entries: readonly FeedEntry[], generation: string): Promise<boolean>
  /** Adds entries (posts and reposts) to the timeline of an author readers may merge. */
  addToTimeline(authorId: string, entries: readonly FeedEntry[]): Promise<void>
  removeFromTimeline(authorId: string, postIds: readonly string[]): Promise<void>
  storeTimelines(timelines: ReadonlyMap<string, readonly FeedEntry[]>): Promise<void>
  /**
   * One round trip: the page of the feed after `position`, the same page of each celebrity
   * timeline, whether anything needs rebuilding, and the hourly activity mark.
   */
  readIds(
    ownerId: string,
    celebrityIds: readonly string[],
    position: FeedPosition | undefined,
    limit: number,
  ): Promise<FeedIdsRead>
  /** Cached bodies by post id (not feed member). */
  loadPosts(postIds: readonly string[]): Promise<Map<string, CachedPost>>
  cachePosts(posts: readonly CachedPost[]): Promise<void>
  forgetPosts(postIds: readonly string[]): Promise<void>
}

// Bounds the size of one pipeline when many entries go to many feeds (unban, backfill).
const MEMBERS_PER_PIPELINE = 50_000
const IDS_PER_COMMAND = 1_000
const ACTIVITY_MARK_SECONDS = 3_600

/**
 * Feeds one pipeline of `removeFromFeeds` covers when `postCount` posts leave each: a removal
 * batch of at most this many followers costs one round trip to Redis.
 */
export function feedsPerRemovalPipeline(postCount: number): number {
  return Math.max(1, Math.floor(MEMBERS_PER_PIPELINE / Math.max(1, postCount)))
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size))
  }
  return chunks
}

/** Runs a pipeline (or MULTI) and throws the first command error instead of returning it. */
async function run(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec()
  if (!results) throw new Error('The Redis transaction was aborted.')
  return results.map(([error, value]) => {
    if (error) throw error
    return value
  })
}

/**
 * KEYS: feed, built marker, generation. ARGV: expected generation, ttl, trim stop, then score and
 * member pairs. Atomic, so no removal can slip between the check and the write.
 */
const STORE_FEED_SCRIPT = `
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[1] then return 0 end
for first = 4, #ARGV, ${2 * IDS_PER_COMMAND} do
  redis.call('ZADD', KEYS[1], unpack(ARGV, first, math.min(first + ${2 * IDS_PER_COMMAND - 1}, #ARGV)))
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[2])
return 1
`

function zaddArgs(entries: readonly FeedEntry[]): (string | number)[] {
  return entries.flatMap((entry) => [entry.at, entry.id])
}

export function createFeedStore(redis: Redis, config: FeedConfig): FeedStore {
  const ttlSeconds = config.inactiveDays * 86_400
  const trimStop = -(config.maxEntries + 1)

  function feedsPerPipeline(membersPerFeed: number): number {
    return Math.max(
      1,
      Math.min(config.fanoutBatchSize, Math.floor(MEMBERS_PER_PIPELINE / membersPerFeed)),
    )
  }

  function queueRange(
    pipeline: ChainableCommander,
    key: string,
    position: FeedPosition | undefined,
    limit: number,
  ): number {
    if (!position) {
      pipeline.zrange(key, '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit + 1, 'WITHSCORES')
      return 1
    }
    // Entries of the position's own millisecond may still follow it (smaller ids); the rest of
    // the page is strictly older.
    pipeline.zrange(key, position.at, String(position.at), 'BYSCORE', 'WITHSCORES')
    pipeline.zrange(
      key,
      `(${position.at}`,
      '-inf',
      'BYSCORE',
      'REV',
      'LIMIT',
      0,
      limit + 1,
      'WITHSCORES',
    )
    return 2
  }

  function takeRange(results: unknown[], offset: number, commands: number): FeedEntry[] {
    const entries: FeedEntry[] = []
    for (let index = offset; index < offset + commands; index++) {
      entries.push(...entriesFromRange(results[index] as string[]))
    }
    return entries
  }

  function queueInvalidation(pipeline: ChainableCommander, owner: string): void {
    const key = feedKeys.feedGeneration(owner)
    pipeline.incr(key)
    pipeline.expire(key, ttlSeconds)
  }

  return {
    async addToFeeds(ownerIds, entries) {
      if (ownerIds.length === 0 || entries.length === 0) return
      const members = zaddArgs(entries)
      for (const owners of chunk(ownerIds, feedsPerPipeline(entries.length))) {
        const pipeline = redis.pipeline()
        for (const owner of owners) {
          const key = feedKeys.feed(owner)
          pipeline.zadd(key, ...members)
          pipeline.zremrangebyrank(key, 0, trimStop)
          // A feed written before its owner ever read it must not outlive the inactivity window.
          pipeline.expire(key, ttlSeconds, 'NX')
        }
        await run(pipeline)
      }
    },

    async removeFromFeeds(ownerIds, postIds) {
      if (ownerIds.length === 0 || postIds.length === 0) return
      const idChunks = chunk(postIds, IDS_PER_COMMAND)
      for (const owners of chunk(ownerIds, feedsPerRemovalPipeline(postIds.length))) {
        const pipeline = redis.pipeline()
        for (const owner of owners) {
          for (const ids of idChunks) pipeline.zrem(feedKeys.feed(owner), ...ids)
          queueInvalidation(pipeline, owner)
        }
        await run(pipeline)
      }
    },

    async dropFeeds(ownerIds) {
      for (const owners of chunk(ownerIds, config.fanoutBatchSize)) {
        const pipeline = redis.pipeline()
        for (const owner of owners) {
          pipeline.del(feedKeys.feed(owner), feedKeys.feedBuilt(owner))
          queueInvalidation(pipeline, owner)
        }
        await run(pipeline)
      }
    },

    async invalidateRebuilds(ownerIds) {
      for (const owners of chunk(ownerIds, config.fanoutBatchSize)) {
        const pipeline = redis.pipeline()
        for (const owner of owners) queueInvalidation(pipeline, owner)
        await run(pipeline)
      }
    },

    async feedGeneration(ownerId) {
      return (await redis.get(feedKeys.feedGeneration(ownerId))) ?? ''
    },

    async oldestFeedEntry(ownerId) {
      const [oldest] = entriesFromRange(
        await redis.zrange(feedKeys.feed(ownerId), 0, '0', 'WITHSCORES'),
      )
      return oldest ?? null
    },

    async storeFeed(ownerId, entries, generation) {
      const stored = await redis.eval(
        STORE_FEED_SCRIPT,
        3,
        feedKeys.feed(ownerId),
        feedKeys.feedBuilt(ownerId),
        feedKeys.feedGeneration(ownerId),
        generation,
        ttlSeconds,
        trimStop,
        ...zaddArgs(entries),
      )
      return stored === 1
    },

    async addToTimeline(authorId, entries) {
      if (entries.length === 0) return
      const key = feedKeys.timeline(authorId)
      const pipeline = redis.pipeline()
      for (const part of chunk(entries, IDS_PER_COMMAND)) pipeline.zadd(key, ...zaddArgs(part))
      pipeline.zremrangebyrank(key, 0, trimStop)
      // Timelines of authors who stop posting expire; a read rebuilds them if still needed.
      pipeline.expire(key, ttlSeconds)
      pipeline.expire(feedKeys.timelineBuilt(authorId), ttlSeconds)
      await run(pipeline)
    },

    async removeFromTimeline(authorId, postIds) {
      if (postIds.length === 0) return
      const pipeline = redis.pipeline()
      for (const ids of chunk(postIds, IDS_PER_COMMAND)) {
        pipeline.zrem(feedKeys.timeline(authorId), ...ids)
      }
      await run(pipeline)
    },

    async storeTimelines(timelines) {
      if (timelines.size === 0) return
      const transaction = redis.multi()
      for (const [authorId, entries] of timelines) {
        const key = feedKeys.timeline(authorId)
        for (const part of chunk(entries, IDS_PER_COMMAND)) {
          transaction.zadd(key, ...zaddArgs(part))
        }
        transaction.zremrangebyrank(key, 0, trimStop)
        transaction.expire(key, ttlSeconds)
        transaction.set(feedKeys.timelineBuilt(authorId), '1', 'EX', ttlSeconds)
      }
      await run(transaction)
    },

    async readIds(ownerId, celebrityIds, position, limit) {
      const pipeline = redis.pipeline()
      pipeline.exists(feedKeys.feedBuilt(ownerId))
      pipeline.get(feedKeys.feedGeneration(ownerId))
      const feedCommands = queueRange(pipeline, feedKeys.feed(ownerId), position, limit)
      const timelineCommands = celebrityIds.map((celebrityId) => {
        pipeline.exists(feedKeys.timelineBuilt(celebrityId))
        return queueRange(pipeline, feedKeys.timeline(celebrityId), position, limit)
      })
      pipeline.set(feedKeys.active(ownerId), '1', 'EX', ACTIVITY_MARK_SECONDS, 'NX')
      pipeline.expire(feedKeys.feed(ownerId), ttlSeconds)
      pipeline.expire(feedKeys.feedBuilt(ownerId), ttlSeconds)
      const results = await run(pipeline)

      let offset = 0
      const feedMissing = results[offset++] === 0
      const feedGeneration = (results[offset++] as string | null) ?? ''
      const sources = [takeRange(results, offset, feedCommands)]
      offset += feedCommands
      const timelinesMissing: string[] = []
      celebrityIds.forEach((celebrityId, index) => {
        if (results[offset++] === 0) timelinesMissing.push(celebrityId)
        const commands = timelineCommands[index] as number
        sources.push(takeRange(results, offset, commands))
        offset += commands
      })
      return {
        feedMissing,
        timelinesMissing,
        sources,
        firstReadThisHour: results[offset] === 'OK',
        feedGeneration,
      }
    },

    async loadPosts(postIds) {
      const found = new Map<string, CachedPost>()
      if (postIds.length === 0) return found
      const values = await redis.mget(...postIds.map((id) => feedKeys.post(id)))
      values.forEach((value) => {
        if (value === null) return
        const post = JSON.parse(value) as CachedPost
        found.set(post.id, post)
      })
      return found
    },

    async cachePosts(posts) {
      if (posts.length === 0) return
      const pipeline = redis.pipeline()
      for (const post of posts) {
        pipeline.set(feedKeys.post(post.id), JSON.stringify(post), 'EX', config.postCacheTtlSeconds)
      }
      await run(pipeline)
    },

    async forgetPosts(postIds) {
      for (const ids of chunk(postIds, IDS_PER_COMMAND)) {
        await redis.del(...ids.map((id) => feedKeys.post(id)))
      }
    },
  }
}
