import type { Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { isInGoodStanding } from '@chatty/domain'

import type { FeedConfig } from '../config.js'
import { db } from '../db.js'
import { Follow } from '../entities/follow.entity.js'
import { type FeedEntry, postMembersOf } from './feed-page.js'
import {
  fanOutTargets,
  feedMembersOfAuthorSince,
  recentEntriesOf,
  recentPostsOf,
  recentRepostsOf,
} from './feed-queries.js'
import {
  type FeedRemover,
  removeFollowsOfDeletedAccount,
  removeFromFollowerFeeds,
} from './feed-removals.js'
import { lockFollowee, standingOf, type UserRecord } from './users.js'

/**
 * Feed effects of events. Each runs inside the consumer's transaction after the author's row is
 * locked, and every Redis write is idempotent: if Redis fails halfway the transaction rolls back
 * and the messaging layer retries the whole message. Removals from the feeds of more followers
 * than one batch are recorded here and walked after commit (`domain/feed-removals.ts`).
 */
export interface FeedWriter extends FeedRemover {
  config: FeedRemover['config'] & { feed: FeedConfig }
  /** Records how long pushing entries into the feeds of an author's followers took. */
  observeFanOut(seconds: number): void
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
 * Only a writer holding the author's row alone marks: backfills share it, and two of them
 * marking at once would deadlock. Until a fan-out marks the author, a backfill pushes as before.
 */
async function pushesToFollowers(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
  lock: 'alone' | 'shared',
): Promise<boolean> {
  if (author.celebrity) return false
  if (author.followers_count <= deps.config.feed.fanoutMaxFollowers) return true
  if (lock === 'shared') return true
  // Posts and reposts pushed so far are all known by now; none made later reaches a follower's
  // feed, and removals of those visit no follower (see `mayBeInFollowerFeeds`).
  const marked = await db(em)
    .updateTable('users')
    .set((eb) => ({
      celebrity: true,
      pushed_posts_until: eb.fn('greatest', [
        eb
          .selectFrom('posts')
          .select((posts) => posts.fn.max('created_at').as('newest'))
          .where('author_id', '=', author.id),
        eb
          .selectFrom('reposts')
          .select((reposts) => reposts.fn.max('changed_at').as('newest'))
          .where('user_id', '=', author.id)
          .where('reposted', '=', true),
      ]),
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
  if (entries.length === 0 || !(await pushesToFollowers(em, deps, author, 'alone'))) return
  const startedAt = performance.now()
  const targets = await fanOutTargets(em, author.id, activeSince(deps))
  await deps.feeds.addToFeeds(targets.active, entries)
  await deps.feeds.dropFeeds(targets.inactive)
  deps.observeFanOut((performance.now() - startedAt) / 1_000)
}

/**
 * An entry of `author` (a post, or a repost by them) into their own feed, and when shared into
 * their timeline and the feeds of their followers (but not when the author is a celebrity:
 * readers merge the timeline). Nothing reaches a feed while the author is banned.
 */
async function fanOutEntry(
  em: EntityManager,
  deps: FeedWriter,
  input: { author: UserRecord; entry: FeedEntry; shared: boolean },
): Promise<void> {
  const { author, entry, shared } = input
  if (shared) await deps.feeds.addToTimeline(author.id, [entry])
  if (!isInGoodStanding(standingOf(author), deps.clock())) return
  await deps.feeds.addToFeeds([author.id], [entry])
  if (shared) await pushToFollowers(em, deps, author, [entry])
}

/** PostCreated: a post goes out like every entry; a private one only into the author's feed. */
export async function fanOutPost(
  em: EntityManager,
  deps: FeedWriter,
  input: { author: UserRecord; post: FeedPost },
): Promise<void> {
  const { author, post } = input
  const entry: FeedEntry = { id: post.id, at: post.createdAt.getTime() }
  await fanOutEntry(em, deps, { author, entry, shared: post.visibility !== 'private' })
}

/**
 * PostReposted: the repost (its own member, see `feedMember`) goes to the reposter's own feed and
 * their followers' as their posts do.
 */
export async function fanOutRepost(
  em: EntityManager,
  deps: FeedWriter,
  input: { reposter: UserRecord; repost: FeedEntry },
): Promise<void> {
  await fanOutEntry(em, deps, { author: input.reposter, entry: input.repost, shared: true })
}

/** PostUnreposted: the repost leaves the reposter's feed, timeline and followers' feeds. */
export async function withdrawRepost(
  em: EntityManager,
  deps: FeedWriter,
  input: { reposter: UserRecord; repost: FeedEntry },
): Promise<void> {
  const { reposter, repost } = input
  await deps.feeds.removeFromFeeds([reposter.id], [repost.id])
  await deps.feeds.removeFromTimeline(reposter.id, [repost.id])
  await removeFromFollowerFeeds(em, deps, {
    author: reposter,
    reason: 'repost-undone',
    posts: [repost],
  })
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
 * posts and reposts; its absence removes whatever of theirs the feed holds. The caller holds the
 * follow's lock (`lockFollow`): the followee's row is only shared with other followers' backfills.
 */
export async function syncFollowInFeed(
  em: EntityManager,
  deps: FeedWriter,
  input: { followerId: string; followeeId: string },
): Promise<void> {
  const { followerId, followeeId } = input
  const locked = await lockFollowee(em, input)
  const follows = locked
    ? locked.follows
    : (await em.findOne(Follow, { followerId, followeeId })) !== null
  if (follows) {
    const followee = locked?.followee
    if (!followee || !isInGoodStanding(standingOf(followee), deps.clock())) return
    if (!(await pushesToFollowers(em, deps, followee, 'shared'))) return
    const limit = deps.config.feed.maxEntries
    const entries = await recentEntriesOf(em, followeeId, {
      posts: { includePrivate: false, limit },
      reposts: { shownOnly: true, limit },
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
  const members = await feedMembersOfAuthorSince(em, followeeId, new Date(oldest.at))
  await deps.feeds.removeFromFeeds([followerId], members)
}

function membersOf(entries: readonly FeedEntry[]): string[] {
  return entries.map((entry) => entry.id)
}

/**
 * Ban: the author's posts and reposts leave every feed (their own included) and their posts the
 * post cache. Reposts of their posts by others are no longer shown either: a post whose author
 * is banned does not render (see `postsFromDatabase`).
 */
export async function hideAuthor(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
): Promise<void> {
  const entries = await feedEntriesOf(em, deps, author)
  await deps.feeds.removeFromFeeds([author.id], membersOf(entries))
  await deps.feeds.forgetPosts(postMembersOf(membersOf(entries)))
  await removeFromFollowerFeeds(em, deps, { author, reason: 'author-hidden', posts: entries })
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
  const entries = await feedEntriesOf(em, deps, account)
  await deps.feeds.dropFeeds([account.id])
  await deps.feeds.forgetPosts(postMembersOf(membersOf(entries)))
  await removeFollowsOfDeletedAccount(em, deps, { account, posts: entries, correlationId })
}

/**
 * The posts and reposts of an author a feed may hold: none older than the author's newest
 * FEED_MAX_ENTRIES of each.
 */
async function feedEntriesOf(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
): Promise<FeedEntry[]> {
  const limit = deps.config.feed.maxEntries
  return recentEntriesOf(em, author.id, {
    posts: { includePrivate: true, limit },
    reposts: { shownOnly: false, limit },
  })
}

/** Unban: the author's recent posts and reposts go back into their own feed and their followers'. */
export async function restoreAuthor(
  em: EntityManager,
  deps: FeedWriter,
  author: UserRecord,
): Promise<void> {
  const limit = deps.config.feed.maxEntries
  const reposts = await recentRepostsOf(em, author.id, { shownOnly: true, limit })
  await deps.feeds.addToFeeds(
    [author.id],
    [...(await recentPostsOf(em, author.id, { includePrivate: true, limit })), ...reposts],
  )
  await pushToFollowers(em, deps, author, [
    ...(await recentPostsOf(em, author.id, { includePrivate: false, limit })),
    ...reposts,
  ])
}
