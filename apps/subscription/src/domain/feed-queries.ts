import { type EntityManager, preparedQuery } from '@chatty/db'
import { type Expression, type NotNull, sql } from 'kysely'

import { db } from '../db.js'
import { Post } from '../entities/post.entity.js'
import { compareNewestFirst, type FeedEntry, feedMember } from './feed-page.js'
import type { CachedPost } from './feed-store.js'
import { cachedPollOf } from './polls.js'
import { isShownUserAt } from './users.js'

function toEntry(post: { id: string; created_at: Date }): FeedEntry {
  return { id: post.id, at: post.created_at.getTime() }
}

/** A row of a post (`user_id` null) or of a repost (`user_id` its reposter), as a feed entry. */
function toAuthoredEntry(row: { post_id: string; user_id: string | null; at: Date }): FeedEntry {
  return {
    id: row.user_id === null ? row.post_id : feedMember(row.post_id, row.user_id),
    at: row.at.getTime(),
  }
}

/** The newest `limit` entries of several newest-first lists. */
function newest(lists: readonly FeedEntry[][], limit: number): FeedEntry[] {
  return lists.flat().sort(compareNewestFirst).slice(0, limit)
}

/**
 * Any of the ids a subquery answers, as one array (`id = any(array(…))`): each row is found
 * through the primary key, whatever the statistics say. As a join or `IN (…)`, a plan made while
 * the tables had none (never analysed, as on a server without autovacuum) hashed the subquery's
 * ids and read every row of the table: with 100 000 accounts, every users row for each post
 * fanned out.
 */
function anyOf(subquery: Expression<{ id: string }>) {
  return sql<string>`any(array(${subquery}))`
}

/**
 * Waits until every consumer transaction that holds the row of the feed's owner or of an account
 * they follow alone has committed. Consumers change what a feed holds only under the author's row
 * lock, and write Redis before their commit: a rebuild that read PostgreSQL without waiting could
 * miss a removal whose Redis part was done already, and write the removed posts back. Follow
 * backfills share the row and are not waited for: they only add what the rebuild reads anyway.
 */
export async function waitForFeedWriters(em: EntityManager, ownerId: string): Promise<void> {
  // Locks taken in id order, as every transaction that locks two users does: no deadlock. Written
  // as `id = owner OR id IN (followees)`, the plan read every users row even with statistics.
  await db(em)
    .selectFrom('users as u')
    .select('u.id')
    .where(
      'u.id',
      '=',
      anyOf(
        db(em)
          .selectFrom('follows')
          .select('followee_id as id')
          .where('follower_id', '=', ownerId)
          .unionAll(db(em).selectNoFrom((eb) => eb.cast<string>(eb.val(ownerId), 'uuid').as('id'))),
      ),
    )
    .orderBy('u.id')
    .forShare()
    .execute()
}

/**
 * A home feed as PostgreSQL knows it: the owner's own posts and reposts and the visible posts and
 * reposts of the accounts they follow, newest first, without deleted posts or posts of banned
 * authors, and without the celebrities' entries readers merge (see `mayBeInFollowerFeeds`). A
 * post may be there more than once (its original and reposts); reads show it once. One statement,
 * planned on each run: what is best depends on how many the owner follows and how much they post.
 */
export async function feedFromDatabase(
  em: EntityManager,
  ownerId: string,
  limit: number,
  now: Date,
): Promise<FeedEntry[]> {
  const followees = db(em)
    .selectFrom('follows')
    .select('followee_id')
    .where('follower_id', '=', ownerId)
  const posts = db(em)
    .selectFrom('posts as p')
    .innerJoin('users as a', (join) =>
      join.onRef('a.id', '=', 'p.author_id').on((eb) => isShownUserAt(eb, 'a', now)),
    )
    .select(['p.id as post_id', sql<string | null>`null::uuid`.as('user_id'), 'p.created_at as at'])
    .where('p.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('p.author_id', '=', ownerId),
        eb.and([
          eb('p.visibility', '<>', 'private'),
          eb('p.author_id', 'in', followees),
          // What fan-out would have pushed: a celebrity's later posts are merged from their
          // timeline at read time, and removals of those visit no follower's feed.
          eb.or([
            eb.not(eb.ref('a.celebrity')),
            eb('p.created_at', '<=', eb.ref('a.pushed_posts_until')),
          ]),
        ]),
      ]),
    )
    .orderBy('p.created_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
  // Standing reposts of live public posts by shown accounts.
  const reposts = db(em)
    .selectFrom('reposts as r')
    .innerJoin('users as u', (join) =>
      join.onRef('u.id', '=', 'r.user_id').on((eb) => isShownUserAt(eb, 'u', now)),
    )
    .innerJoin('posts as p', 'p.id', 'r.post_id')
    .select(['r.post_id', sql<string | null>`r.user_id`.as('user_id'), 'r.changed_at as at'])
    .where('r.reposted', '=', true)
    .where('p.deleted_at', 'is', null)
    .where('p.visibility', '=', 'public')
    .where((eb) =>
      eb.or([
        eb('r.user_id', '=', ownerId),
        eb.and([
          eb('r.user_id', 'in', followees),
          eb.or([
            eb.not(eb.ref('u.celebrity')),
            eb('r.changed_at', '<=', eb.ref('u.pushed_posts_until')),
          ]),
        ]),
      ]),
    )
    .orderBy('r.changed_at', 'desc')
    .limit(limit)
  const rows = await db(em)
    .selectFrom(posts.as('posts'))
    .selectAll()
    .unionAll(db(em).selectFrom(reposts.as('reposts')).selectAll())
    .execute()
  return newest([rows.map(toAuthoredEntry)], limit)
}

/**
 * The newest posts and reposts of each author that followers may see, for the timelines readers
 * merge.
 */
export async function timelinesFromDatabase(
  em: EntityManager,
  authorIds: readonly string[],
  limit: number,
): Promise<Map<string, FeedEntry[]>> {
  const timelines = new Map<string, FeedEntry[]>(authorIds.map((id) => [id, []]))
  if (authorIds.length === 0) return timelines
  const authors = sql<{ id: string }>`unnest(${[...authorIds]}::uuid[])`.as<'author'>(
    sql`author(id)`,
  )
  const rows = await db(em)
    .selectFrom(authors)
    .crossJoinLateral((eb) =>
      eb
        .selectFrom('posts as p')
        .select(['p.id', 'p.author_id', 'p.created_at'])
        .whereRef('p.author_id', '=', 'author.id')
        .where('p.deleted_at', 'is', null)
        .where('p.visibility', '<>', 'private')
        .orderBy('p.created_at', 'desc')
        .limit(limit)
        .as('r'),
    )
    .select(['r.id', 'r.author_id', 'r.created_at'])
    .execute()
  for (const row of rows) timelines.get(row.author_id)?.push(toEntry(row))
  // Only timelines missing from Redis, of the few celebrities a reader follows: one query each.
  for (const [authorId, entries] of timelines) {
    const reposts = await recentRepostsOf(em, authorId, { shownOnly: true, limit })
    timelines.set(authorId, newest([entries, reposts], limit))
  }
  return timelines
}

export interface PostSelection {
  /** Include followers-only and public posts only, or every visibility (the author's own feed). */
  includePrivate: boolean
  limit: number
}

/** What a query of an account's newest entries reads: whose, and how many. */
interface RecentValues {
  authorId: string
  limit: number
}

/** An author's newest live posts, newest first. */
function recentPostsQuery(em: EntityManager, values: RecentValues, includePrivate: boolean) {
  return db(em)
    .selectFrom('posts as p')
    .select(['p.id as post_id', sql<string | null>`null::uuid`.as('user_id'), 'p.created_at as at'])
    .where('p.author_id', '=', values.authorId)
    .where('p.deleted_at', 'is', null)
    .$if(!includePrivate, (query) => query.where('p.visibility', '<>', 'private'))
    .orderBy('p.created_at', 'desc')
    .limit(values.limit)
}

export interface RepostSelection {
  /** Only reposts of posts a feed shows (live and public), or every standing repost. */
  shownOnly: boolean
  limit: number
}

/** An account's newest standing reposts, newest first. */
function recentRepostsQuery(em: EntityManager, values: RecentValues, shownOnly: boolean) {
  return db(em)
    .selectFrom('reposts as r')
    .select(['r.post_id', sql<string | null>`r.user_id`.as('user_id'), 'r.changed_at as at'])
    .where('r.user_id', '=', values.authorId)
    .where('r.reposted', '=', true)
    .$if(shownOnly, (query) =>
      query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('posts as p')
            .select(eb.lit(1).as('one'))
            .whereRef('p.id', '=', 'r.post_id')
            .where('p.deleted_at', 'is', null)
            .where('p.visibility', '=', 'public'),
        ),
      ),
    )
    .orderBy('r.changed_at', 'desc')
    .limit(values.limit)
}

const recentPostsPrepared = preparedQuery(recentPostsQuery)
const recentRepostsPrepared = preparedQuery(recentRepostsQuery)
const recentEntriesPrepared = preparedQuery(
  (
    em,
    values: { authorId: string; postLimit: number; repostLimit: number },
    shape: { includePrivate: boolean; shownOnly: boolean },
  ) =>
    db(em)
      .selectFrom(
        recentPostsQuery(
          em,
          { authorId: values.authorId, limit: values.postLimit },
          shape.includePrivate,
        ).as('posts'),
      )
      .selectAll()
      .unionAll(
        db(em)
          .selectFrom(
            recentRepostsQuery(
              em,
              { authorId: values.authorId, limit: values.repostLimit },
              shape.shownOnly,
            ).as('reposts'),
          )
          .selectAll(),
      ),
)

/** An author's newest live posts as feed entries, for unbans and profile changes. */
export async function recentPostsOf(
  em: EntityManager,
  authorId: string,
  selection: PostSelection,
): Promise<FeedEntry[]> {
  const { includePrivate, limit } = selection
  const rows = await recentPostsPrepared(em, { authorId, limit }, includePrivate)
  return rows.map(toAuthoredEntry)
}

/**
 * An account's newest standing reposts as feed entries: for timelines and unbans (`shownOnly`),
 * and for what a ban or deletion takes out of feeds (all).
 */
export async function recentRepostsOf(
  em: EntityManager,
  reposterId: string,
  selection: RepostSelection,
): Promise<FeedEntry[]> {
  const { shownOnly, limit } = selection
  const rows = await recentRepostsPrepared(em, { authorId: reposterId, limit }, shownOnly)
  return rows.map(toAuthoredEntry)
}

/**
 * `recentPostsOf` and `recentRepostsOf` of one account in one statement: what a follow backfills
 * and what a ban takes out of feeds.
 */
export async function recentEntriesOf(
  em: EntityManager,
  authorId: string,
  selection: { posts: PostSelection; reposts: RepostSelection },
): Promise<FeedEntry[]> {
  const { posts, reposts } = selection
  const rows = await recentEntriesPrepared(
    em,
    { authorId, postLimit: posts.limit, repostLimit: reposts.limit },
    { includePrivate: posts.includePrivate, shownOnly: reposts.shownOnly },
  )
  return rows.map(toAuthoredEntry)
}

/**
 * Members of an account's posts and reposts (any state) from `since` on: what a feed may hold
 * of theirs.
 */
export async function feedMembersOfAuthorSince(
  em: EntityManager,
  authorId: string,
  since: Date,
): Promise<string[]> {
  const posts = await em.find(
    Post,
    { authorId, createdAt: { $gte: since } },
    { fields: ['id'], disableIdentityMap: true },
  )
  const reposts = await db(em)
    .selectFrom('reposts')
    .select('post_id')
    .where('user_id', '=', authorId)
    .where('changed_at', '>=', since)
    .execute()
  return [
    ...posts.map((post) => post.id),
    ...reposts.map((repost) => feedMember(repost.post_id, authorId)),
  ]
}

const celebritiesQuery = preparedQuery((em, { readerId, now }: { readerId: string; now: Date }) =>
  db(em)
    .selectFrom('users as u')
    .select('u.id')
    .where((eb) =>
      eb.and([
        eb.ref('u.celebrity'),
        isShownUserAt(eb, 'u', now),
        eb.exists(
          eb
            .selectFrom('follows as f')
            .select(eb.lit(1).as('one'))
            .where('f.follower_id', '=', readerId)
            .whereRef('f.followee_id', '=', 'u.id'),
        ),
      ]),
    ),
)

/** The celebrities among the accounts a reader follows; cost grows with celebrities, not follows. */
export async function celebritiesFollowedBy(
  em: EntityManager,
  readerId: string,
  now: Date,
): Promise<string[]> {
  const rows = await celebritiesQuery(em, { readerId, now })
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

// Fanned-out authors have at most FEED_FANOUT_MAX_FOLLOWERS: at worst that many lookups.
const fanOutTargetsQuery = preparedQuery(
  (em, values: { authorId: string; activeSince: Date; droppableSince: Date }) =>
    db(em)
      .selectFrom('users as u')
      .select((eb) => ['u.id', eb('u.last_active_at', '>=', values.activeSince).as('active')])
      .where(
        'u.id',
        '=',
        anyOf(
          db(em)
            .selectFrom('follows')
            .select('follower_id as id')
            .where('followee_id', '=', values.authorId),
        ),
      )
      .where('u.last_active_at', '>=', values.droppableSince),
)

/**
 * The followers of an author whose feeds fan-out writes to, and those whose feeds it drops.
 * Followers who never read their feed have none; it is built on their first read.
 */
export async function fanOutTargets(
  em: EntityManager,
  authorId: string,
  activeSince: Date,
): Promise<FanOutTargets> {
  const rows = await fanOutTargetsQuery(em, {
    authorId,
    activeSince,
    droppableSince: new Date(activeSince.getTime() - DROP_WINDOW_MS),
  })
  const targets: FanOutTargets = { active: [], inactive: [] }
  for (const row of rows) (row.active ? targets.active : targets.inactive).push(row.id)
  return targets
}

/**
 * The next `limit` followers of an author in id order after `after` (from the first when null),
 * whatever their activity: removals must reach every feed. One range of an index per batch.
 */
export async function followerIdsAfter(
  em: EntityManager,
  authorId: string,
  after: string | null,
  limit: number,
): Promise<string[]> {
  let query = db(em)
    .selectFrom('follows')
    .select('follower_id as id')
    .where('followee_id', '=', authorId)
    .orderBy('follower_id')
    .limit(limit)
  if (after !== null) query = query.where('follower_id', '>', after)
  const rows = await query.execute()
  return rows.map((row) => row.id)
}

/**
 * The next `limit` accounts `followerId` follows in id order after `after` (from the first when
 * null): an account deletion walks them a batch at a time. One range of the primary key.
 */
export async function followeeIdsAfter(
  em: EntityManager,
  followerId: string,
  after: string | null,
  limit: number,
): Promise<string[]> {
  let query = db(em)
    .selectFrom('follows')
    .select('followee_id as id')
    .where('follower_id', '=', followerId)
    .orderBy('followee_id')
    .limit(limit)
  if (after !== null) query = query.where('followee_id', '>', after)
  const rows = await query.execute()
  return rows.map((row) => row.id)
}

/**
 * Renders posts in one query, with their counts; deleted posts and posts of banned or not yet
 * registered authors are left out.
 */
export async function postsFromDatabase(
  em: EntityManager,
  postIds: readonly string[],
  now: Date,
): Promise<CachedPost[]> {
  if (postIds.length === 0) return []
  const rows = await db(em)
    .selectFrom('posts as p')
    .innerJoin('users as u', (join) =>
      join.onRef('u.id', '=', 'p.author_id').on((eb) => isShownUserAt(eb, 'u', now)),
    )
    .leftJoin('post_counts as c', 'c.post_id', 'p.id')
    .leftJoin('polls as pl', 'pl.post_id', 'p.id')
    .select((eb) => [
      eb.fn.coalesce('c.like_count', eb.lit(0)).as('like_count'),
      eb.fn.coalesce('c.comment_count', eb.lit(0)).as('comment_count'),
      eb.fn.coalesce('c.repost_count', eb.lit(0)).as('repost_count'),
    ])
    .select([
      'p.id',
      'p.author_id',
      'p.title',
      'p.content',
      'p.tags',
      'p.mentions',
      'p.visibility',
      'p.media',
      'p.created_at',
      'p.updated_at',
      'u.username',
      'u.display_name',
      'u.avatar_url',
      'pl.options as poll_options',
      'pl.multiple as poll_multiple',
      'pl.expires_at as poll_expires_at',
      'c.poll_votes',
      'c.poll_voters_count',
    ])
    .where('p.id', 'in', [...postIds])
    .where('p.deleted_at', 'is', null)
    .$narrowType<{ username: NotNull }>()
    .execute()
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
    likeCount: row.like_count,
    commentCount: row.comment_count,
    repostCount: row.repost_count,
    poll:
      row.poll_options && row.poll_expires_at
        ? cachedPollOf({
            options: row.poll_options,
            multiple: Boolean(row.poll_multiple),
            expiresAt: new Date(row.poll_expires_at),
            votes: row.poll_votes,
            votersCount: row.poll_voters_count,
          })
        : null,
    media: row.media,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }))
}
