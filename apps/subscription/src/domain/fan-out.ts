import type { Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { isInGoodStanding } from '@chatty/domain'

import type { FeedConfig } from '../config.js'
import { db } from '../db.js'
import { Follow } from '../entities/follow.entity.js'
import type { FeedEntry } from './feed-page.js'
import { fanOutTargets, postIdsOfAuthorSince, recentPostsOf } from './feed-queries.js'
import {
  type FeedRemover,
  removeFollowsOfDeletedAccount,
  removeFromFollowerFeeds,
} from './feed-removals.js'
import { lockUser, standingOf, type UserRecord } from './users.js'

/**
 * Feed effects of events. Each runs inside the consumer's transaction after the author's row is
 * locked, and every Redis write is idempotent: if Redis fails halfway the transaction rolls back
 * and the messaging layer retries the whole message. Removals from the feeds of more followers
 * than one batch are recorded here and walked after commit (`domain/feed-removals.ts`).
 */
export interface FeedWriter extends FeedRemover {
  config: FeedRemover['config'] & { feed: FeedConfig }
}

export interface FeedPost {
  id: string
  authorId: string
  visibility: Visibility
  createdAt: Date
}

function activeSince(deps: FeedWriter): Date {
  return new Date(deps.clock().getTime() - deps.config.feed.inactiveDays * 86_400_000)
}

/**
 * Whether an author's posts are pushed to followers. Above FEED_FANOUT_MAX_FOLLOWERS they are
 * not; the author is then marked a celebrity for good and readers merge their timeline instead.
 */
async function pushesToFollowers(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
): Promise<boolean> {
  if (author.celebrity) return false
  if (author.followers_count <= deps.config.feed.fanoutMaxFollowers) return true
  // Posts pushed so far are all known by now; none made later reaches a follower's feed, and
  // removals of those visit no follower (see `mayBeInFollowerFeeds`).
  const marked = await db(em)
    .updateTable('users')
    .set((eb) => ({
      celebrity: true,
      pushed_posts_until: eb
        .selectFrom('posts')
        .select((posts) => posts.fn.max('created_at').as('newest'))
        .where('author_id', '=', author.id),
    }))
    .where('id', '=', author.id)
    .returning('pushed_posts_until')
    .executeTakeFirstOrThrow()
  author.celebrity = true
  author.pushed_posts_until = marked.pushed_posts_until
  return false
}

/** Writes entries to the feeds of an author's followers who still read them; drops the rest. */
async function pushToFollowers(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
  entries: readonly FeedEntry[],
): Promise<void> {
  if (entries.length === 0 || !(await pushesToFollowers(em, deps, author))) return
  const targets = await fanOutTargets(em, author.id, activeSince(deps))
  await deps.feeds.addToFeeds(targets.active, entries)
  await deps.feeds.dropFeeds(targets.inactive)
}

/**
 * PostCreated: into the author's own feed, and unless the post is private into the author's
 * timeline and the feeds of their followers (but not when the author is a celebrity: readers
 * merge the timeline). Nothing reaches a feed while the author is banned.
 */
export async function fanOutPost(
  em: EntityManager,
  deps: FeedWriter,
  input: { author: UserRecord; post: FeedPost },
): Promise<void> {
  const { author, post } = input
  const entry: FeedEntry = { id: post.id, at: post.createdAt.getTime() }
  const shared = post.visibility !== 'private'
  if (shared) await deps.feeds.addToTimeline(post.authorId, [entry])
  if (!isInGoodStanding(standingOf(author), deps.clock())) return
  await deps.feeds.addToFeeds([post.authorId], [entry])
  if (shared) await pushToFollowers(em, deps, author, [entry])
}

/** PostDeleted: out of the author's own feed, the timeline, the post cache and followers' feeds. */
export async function withdrawPost(
  em: EntityManager,
  deps: FeedWriter,
  input: { author: UserRecord; post: FeedEntry },
): Promise<void> {
  const { author, post } = input
  await deps.feeds.removeFromFeeds([author.id], [post.id])
  await deps.feeds.removeFromTimeline(author.id, [post.id])
  await deps.feeds.forgetPosts([post.id])
  await removeFromFollowerFeeds(em, deps, { author, reason: 'post-deleted', posts: [post] })
}

/** A post turned private: it leaves the timeline and followers' feeds, not the author's own. */
export async function hideFromFollowers(
  em: EntityManager,
  deps: FeedWriter,
  input: { author: UserRecord; post: FeedEntry },
): Promise<void> {
  const { author, post } = input
  await deps.feeds.removeFromTimeline(author.id, [post.id])
  await removeFromFollowerFeeds(em, deps, { author, reason: 'post-hidden', posts: [post] })
}

/** A private post made visible: into the timeline and followers' feeds like a new one. */
export async function showToFollowers(
  em: EntityManager,
  deps: FeedWriter,
  input: { author: UserRecord; post: FeedPost },
): Promise<void> {
  const { author, post } = input
  const entry: FeedEntry = { id: post.id, at: post.createdAt.getTime() }
  await deps.feeds.addToTimeline(author.id, [entry])
  if (isInGoodStanding(standingOf(author), deps.clock())) {
    await pushToFollowers(em, deps, author, [entry])
  }
}

/**
 * Followed and Unfollowed: makes the follower's feed agree with whether the follow exists now,
 * so the two events may be handled in either order. A follow backfills the followee's recent
 * posts; its absence removes whatever of theirs the feed holds.
 */
export async function syncFollowInFeed(
  em: EntityManager,
  deps: FeedWriter,
  input: { followerId: string; followeeId: string },
): Promise<void> {
  const { followerId, followeeId } = input
  const followee = await lockUser(em, followeeId)
  const follows = await em.findOne(Follow, { followerId, followeeId })
  if (follows) {
    if (!followee || !isInGoodStanding(standingOf(followee), deps.clock())) return
    if (!(await pushesToFollowers(em, deps, followee))) return
    const entries = await recentPostsOf(em, followeeId, {
      includePrivate: false,
      limit: deps.config.feed.maxEntries,
    })
    await deps.feeds.addToFeeds([followerId], entries)
    return
  }
  const oldest = await deps.feeds.oldestFeedEntry(followerId)
  if (!oldest) {
    // Nothing to remove, but a rebuild of this feed may have read the follow already.
    await deps.feeds.invalidateRebuilds([followerId])
    return
  }
  const postIds = await postIdsOfAuthorSince(em, followeeId, new Date(oldest.at))
  await deps.feeds.removeFromFeeds([followerId], postIds)
}

/** Ban: the author's posts leave every feed (their own included) and the post cache. */
export async function hideAuthor(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
): Promise<void> {
  const posts = await feedPostsOf(em, deps, author)
  const postIds = posts.map((post) => post.id)
  await deps.feeds.removeFromFeeds([author.id], postIds)
  await deps.feeds.forgetPosts(postIds)
  await removeFromFollowerFeeds(em, deps, { author, reason: 'author-hidden', posts })
}

/**
 * Account deletion: the account's own feed is dropped, its posts leave the post cache and its
 * followers' feeds, and every follow of the account, both ways, is removed as an unfollow is
 * (bounded work, see `removeFollowsOfDeletedAccount`).
 */
export async function removeAccount(
  em: EntityManager,
  deps: FeedWriter,
  input: { account: UserRecord; correlationId: string | null },
): Promise<void> {
  const { account, correlationId } = input
  const posts = await feedPostsOf(em, deps, account)
  await deps.feeds.dropFeeds([account.id])
  await deps.feeds.forgetPosts(posts.map((post) => post.id))
  await removeFollowsOfDeletedAccount(em, deps, { account, posts, correlationId })
}

/** The posts of an author a feed may hold: none older than the author's newest FEED_MAX_ENTRIES. */
function feedPostsOf(em: EntityManager, deps: FeedWriter, author: UserRecord) {
  return recentPostsOf(em, author.id, { includePrivate: true, limit: deps.config.feed.maxEntries })
}

/** Unban: the author's recent posts go back into their own feed and their followers'. */
export async function restoreAuthor(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
): Promise<void> {
  const limit = deps.config.feed.maxEntries
  await deps.feeds.addToFeeds(
    [author.id],
    await recentPostsOf(em, author.id, { includePrivate: true, limit }),
  )
  await pushToFollowers(
    em,
    deps,
    author,
    await recentPostsOf(em, author.id, { includePrivate: false, limit }),
  )
}
