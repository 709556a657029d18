import type { Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'

import type { FeedEntry } from './feed-page.js'
import type { CachedPost } from './feed-store.js'
import { toDate } from './sql.js'
import { shownUserSql } from './users.js'

interface EntryRow {
  id: string
  author_id: string
  created_at: string
}

function toEntry(row: EntryRow): FeedEntry {
  return { id: row.id, at: toDate(row.created_at).getTime() }
}

/**
 * Waits until every consumer transaction that holds the row of the feed's owner or of an account
 * they follow has committed. Consumers change what a feed holds only under the author's row
 * lock, and write Redis before their commit: a rebuild that read PostgreSQL without waiting could
 * miss a removal whose Redis part was done already, and write the removed posts back.
 */
export async function waitForFeedWriters(em: EntityManager, ownerId: string): Promise<void> {
  // Locks taken in id order, as every transaction that locks two users does: no deadlock.
  await em.execute(
    `select u.id from users u
      where u.id = ? or u.id in (select followee_id from follows where follower_id = ?)
      order by u.id
      for share`,
    [ownerId, ownerId],
  )
}

/**
 * A home feed as PostgreSQL knows it: the owner's own posts and the visible posts of the
 * accounts they follow, newest first, without deleted posts or posts of banned authors.
 */
export async function feedFromDatabase(
  em: EntityManager,
  ownerId: string,
  limit: number,
  now: Date,
): Promise<FeedEntry[]> {
  const rows = await em.execute<EntryRow[]>(
    `select p.id, p.author_id, p.created_at
       from posts p
       join users a on a.id = p.author_id and ${shownUserSql('a')}
      where p.deleted_at is null
        and (p.author_id = ?
             or (p.visibility <> 'private'
                 and p.author_id in (select followee_id from follows where follower_id = ?)))
      order by p.created_at desc, p.id desc
      limit ?`,
    [now, ownerId, ownerId, limit],
  )
  return rows.map(toEntry)
}

/** The newest posts of each author that followers may see, for the timelines readers merge. */
export async function timelinesFromDatabase(
  em: EntityManager,
  authorIds: readonly string[],
  limit: number,
): Promise<Map<string, FeedEntry[]>> {
  const timelines = new Map<string, FeedEntry[]>(authorIds.map((id) => [id, []]))
  if (authorIds.length === 0) return timelines
  const rows = await em.execute<EntryRow[]>(
    `select r.id, r.author_id, r.created_at
       from unnest(array[?]::uuid[]) as author(id)
       cross join lateral (
         select p.id, p.author_id, p.created_at from posts p
          where p.author_id = author.id and p.deleted_at is null and p.visibility <> 'private'
          order by p.created_at desc
          limit ?) r`,
    [authorIds, limit],
  )
  for (const row of rows) timelines.get(row.author_id)?.push(toEntry(row))
  return timelines
}

export interface PostSelection {
  /** Include followers-only and public posts only, or every visibility (the author's own feed). */
  includePrivate: boolean
  limit: number
}

/** An author's newest live posts, for backfills and for pushing posts back after an unban. */
export async function recentPostsOf(
  em: EntityManager,
  authorId: string,
  selection: PostSelection,
): Promise<FeedEntry[]> {
  const rows = await em.execute<EntryRow[]>(
    `select id, author_id, created_at from posts
      where author_id = ? and deleted_at is null ${selection.includePrivate ? '' : `and visibility <> 'private'`}
      order by created_at desc
      limit ?`,
    [authorId, selection.limit],
  )
  return rows.map(toEntry)
}

/** Ids of an author's posts (any state) from `since` on: what a feed may hold of theirs. */
export async function postIdsOfAuthorSince(
  em: EntityManager,
  authorId: string,
  since: Date,
): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    'select id from posts where author_id = ? and created_at >= ?',
    [authorId, since],
  )
  return rows.map((row) => row.id)
}

/** The celebrities among the accounts a reader follows; cost grows with celebrities, not follows. */
export async function celebritiesFollowedBy(
  em: EntityManager,
  readerId: string,
  now: Date,
): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select u.id from users u
      where u.celebrity and ${shownUserSql('u')}
        and exists (select 1 from follows f where f.follower_id = ? and f.followee_id = u.id)`,
    [now, readerId],
  )
  return rows.map((row) => row.id)
}

export interface FanOutTargets {
  /** Followers who read their feed recently: their feeds get the post. */
  active: string[]
  /** Followers just gone quiet: their feeds are dropped and rebuilt when they return. */
  inactive: string[]
}

// A feed expires FEED_INACTIVE_DAYS after its last read, and the last read is at most an hour
// later than last_active_at: feeds of followers quiet for longer than a day past the window are
// gone already and need no dropping.
const DROP_WINDOW_MS = 86_400_000

/**
 * The followers of an author whose feeds fan-out writes to, and those whose feeds it drops.
 * Followers who never read their feed have none; it is built on their first read.
 */
export async function fanOutTargets(
  em: EntityManager,
  authorId: string,
  activeSince: Date,
): Promise<FanOutTargets> {
  const rows = await em.execute<{ id: string; active: boolean }[]>(
    `select f.follower_id as id, u.last_active_at >= ? as active
       from follows f
       join users u on u.id = f.follower_id and u.last_active_at >= ?
      where f.followee_id = ?`,
    [activeSince, new Date(activeSince.getTime() - DROP_WINDOW_MS), authorId],
  )
  const targets: FanOutTargets = { active: [], inactive: [] }
  for (const row of rows) (row.active ? targets.active : targets.inactive).push(row.id)
  return targets
}

/** Every follower of an author, whatever their activity: removals must reach every feed. */
export async function followerIds(em: EntityManager, authorId: string): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    'select follower_id as id from follows where followee_id = ?',
    [authorId],
  )
  return rows.map((row) => row.id)
}

interface PostRow {
  id: string
  author_id: string
  title: string | null
  content: string
  tags: string[]
  mentions: string[]
  visibility: Visibility
  created_at: string
  updated_at: string
  username: string
  display_name: string
  avatar_url: string | null
}

/**
 * Renders posts in one query; deleted posts and posts of banned or not yet registered authors
 * are left out.
 */
export async function postsFromDatabase(
  em: EntityManager,
  postIds: readonly string[],
  now: Date,
): Promise<CachedPost[]> {
  if (postIds.length === 0) return []
  const rows = await em.execute<PostRow[]>(
    `select p.id, p.author_id, p.title, p.content, p.tags, p.mentions, p.visibility,
            p.created_at, p.updated_at, u.username, u.display_name, u.avatar_url
       from posts p
       join users u on u.id = p.author_id and ${shownUserSql('u')}
      where p.id in (?) and p.deleted_at is null`,
    [now, postIds],
  )
  return rows.map((row) => ({
    id: row.id,
    author: {
      id: row.author_id,
      username: row.username,
      displayName: row.display_name,
      avatarUrl: row.avatar_url,
    },
    title: row.title,
    content: row.content,
    tags: row.tags,
    mentions: row.mentions,
    visibility: row.visibility,
    createdAt: toDate(row.created_at).toISOString(),
    updatedAt: toDate(row.updated_at).toISOString(),
  }))
}
