import type { Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'

import type { SubscriptionContext } from '../context.js'
import type { FeedEntry } from './feed-page.js'
import { fanOutTargets, followerIds, postIdsOfAuthorSince, recentPostsOf } from './feed-queries.js'
import { isInGoodStanding, lockUser, type UserRecord } from './users.js'

/**
 * Feed effects of events. Each runs inside the consumer's transaction after the author's row is
 * locked, and every Redis write is idempotent: if Redis fails halfway the transaction rolls back
 * and the messaging layer retries the whole message.
 */
export type FeedWriter = Pick<SubscriptionContext, 'feeds' | 'config' | 'clock'>

export interface FeedPost {
  id: string
  authorId: string
  visibility: Visibility
  createdAt: Date
}

function activeSince(ctx: FeedWriter): Date {
  return new Date(ctx.clock().getTime() - ctx.config.feed.inactiveDays * 86_400_000)
}

/**
 * Whether an author's posts are pushed to followers. Above FEED_FANOUT_MAX_FOLLOWERS they are
 * not; the author is then marked a celebrity for good and readers merge their timeline instead.
 */
async function pushesToFollowers(
  ctx: FeedWriter,
  em: EntityManager,
  author: UserRecord,
): Promise<boolean> {
  if (author.celebrity) return false
  if (author.followersCount <= ctx.config.feed.fanoutMaxFollowers) return true
  await em.execute('update users set celebrity = true where id = ?', [author.id])
  author.celebrity = true
  return false
}

/** Writes entries to the feeds of an author's followers who still read them; drops the rest. */
async function pushToFollowers(
  ctx: FeedWriter,
  em: EntityManager,
  author: UserRecord,
  entries: readonly FeedEntry[],
): Promise<void> {
  if (entries.length === 0 || !(await pushesToFollowers(ctx, em, author))) return
  const targets = await fanOutTargets(em, author.id, activeSince(ctx))
  await ctx.feeds.addToFeeds(targets.active, entries)
  await ctx.feeds.dropFeeds(targets.inactive)
}

/**
 * PostCreated: into the author's own feed, and unless the post is private into the author's
 * timeline and the feeds of their followers (but not when the author is a celebrity: readers
 * merge the timeline). Nothing reaches a feed while the author is banned.
 */
export async function fanOutPost(
  ctx: FeedWriter,
  em: EntityManager,
  author: UserRecord,
  post: FeedPost,
): Promise<void> {
  const entry: FeedEntry = { id: post.id, at: post.createdAt.getTime() }
  const shared = post.visibility !== 'private'
  if (shared) await ctx.feeds.addToTimeline(post.authorId, [entry])
  if (!isInGoodStanding(author, ctx.clock())) return
  await ctx.feeds.addToFeeds([post.authorId], [entry])
  if (shared) await pushToFollowers(ctx, em, author, [entry])
}

/** PostDeleted: out of every feed that may hold it, the timeline and the post cache. */
export async function withdrawPost(
  ctx: FeedWriter,
  em: EntityManager,
  authorId: string,
  postId: string,
): Promise<void> {
  const followers = await followerIds(em, authorId)
  await ctx.feeds.removeFromFeeds([authorId, ...followers], [postId])
  await ctx.feeds.removeFromTimeline(authorId, [postId])
  await ctx.feeds.forgetPosts([postId])
}

/** A post turned private: it leaves the timeline and followers' feeds, not the author's own. */
export async function hideFromFollowers(
  ctx: FeedWriter,
  em: EntityManager,
  authorId: string,
  postId: string,
): Promise<void> {
  await ctx.feeds.removeFromTimeline(authorId, [postId])
  await ctx.feeds.removeFromFeeds(await followerIds(em, authorId), [postId])
}

/** A private post made visible: into the timeline and followers' feeds like a new one. */
export async function showToFollowers(
  ctx: FeedWriter,
  em: EntityManager,
  author: UserRecord,
  post: FeedPost,
): Promise<void> {
  const entry: FeedEntry = { id: post.id, at: post.createdAt.getTime() }
  await ctx.feeds.addToTimeline(author.id, [entry])
  if (isInGoodStanding(author, ctx.clock())) await pushToFollowers(ctx, em, author, [entry])
}

/**
 * Followed and Unfollowed: makes the follower's feed agree with whether the follow exists now,
 * so the two events may be handled in either order. A follow backfills the followee's recent
 * posts; its absence removes whatever of theirs the feed holds.
 */
export async function syncFollowInFeed(
  ctx: FeedWriter,
  em: EntityManager,
  followerId: string,
  followeeId: string,
): Promise<void> {
  const followee = await lockUser(em, followeeId)
  const [follows] = await em.execute<{ exists: number }[]>(
    'select 1 as exists from follows where follower_id = ? and followee_id = ?',
    [followerId, followeeId],
  )
  if (follows) {
    if (!followee || !isInGoodStanding(followee, ctx.clock())) return
    if (!(await pushesToFollowers(ctx, em, followee))) return
    const entries = await recentPostsOf(em, followeeId, {
      includePrivate: false,
      limit: ctx.config.feed.maxEntries,
    })
    await ctx.feeds.addToFeeds([followerId], entries)
    return
  }
  const oldest = await ctx.feeds.oldestFeedEntry(followerId)
  if (!oldest) {
    // Nothing to remove, but a rebuild of this feed may have read the follow already.
    await ctx.feeds.invalidateRebuilds([followerId])
    return
  }
  const postIds = await postIdsOfAuthorSince(em, followeeId, new Date(oldest.at))
  await ctx.feeds.removeFromFeeds([followerId], postIds)
}

/**
 * Ban or deletion: the author's posts leave every feed (their own included) and the post cache.
 * A feed never holds posts of an author older than that author's newest FEED_MAX_ENTRIES.
 */
export async function hideAuthor(ctx: FeedWriter, em: EntityManager, authorId: string) {
  const posts = await recentPostsOf(em, authorId, {
    includePrivate: true,
    limit: ctx.config.feed.maxEntries,
  })
  const postIds = posts.map((post) => post.id)
  const followers = await followerIds(em, authorId)
  await ctx.feeds.removeFromFeeds([authorId, ...followers], postIds)
  await ctx.feeds.forgetPosts(postIds)
}

/** Unban: the author's recent posts go back into their own feed and their followers'. */
export async function restoreAuthor(ctx: FeedWriter, em: EntityManager, author: UserRecord) {
  const limit = ctx.config.feed.maxEntries
  await ctx.feeds.addToFeeds(
    [author.id],
    await recentPostsOf(em, author.id, { includePrivate: true, limit }),
  )
  await pushToFollowers(
    ctx,
    em,
    author,
    await recentPostsOf(em, author.id, { includePrivate: false, limit }),
  )
}
