import type { Visibility } from '@chatty/contracts'
import { type EntityManager, inGoodStandingAt } from '@chatty/db'
import { sql } from 'kysely'

import { db } from '../db.js'

/** How far back a tag's uses count towards trending. */
export const TRENDING_WINDOW_MS = 24 * 60 * 60 * 1000
/** How many trending tags are computed, cached and at most listed. */
export const TRENDING_TAGS_MAX = 50
/** Expired uses removed per statement by the pruning job. */
export const TAG_USES_PRUNE_BATCH = 1000

export interface TrendingTag {
  tag: string
  /** How many distinct accounts used it within the window. */
  count: number
}

interface TaggedPost {
  id: string
  authorId: string
  tags: string[]
  visibility: Visibility
  createdAt: Date
  deletedAt?: Date | null | undefined
}

function windowStart(now: Date): Date {
  return new Date(now.getTime() - TRENDING_WINDOW_MS)
}

/**
 * Makes `tag_uses` say what the post now contributes to trending, in the caller's transaction:
 * one use per tag while the post is live and public, dated by the post (an edit does not make an
 * old post's tags trend again), nothing once it is deleted or no longer public. A post `isNew` has
 * no uses to replace.
 */
export async function recordTagUses(
  em: EntityManager,
  post: TaggedPost,
  now: Date,
  options: { isNew?: boolean } = {},
): Promise<void> {
  if (!options.isNew) await db(em).deleteFrom('tag_uses').where('post_id', '=', post.id).execute()
  const counts =
    !post.deletedAt && post.visibility === 'public' && post.createdAt > windowStart(now)
  if (!counts || post.tags.length === 0) return
  await db(em)
    .insertInto('tag_uses')
    .values(
      post.tags.map((tag) => ({
        post_id: post.id,
        tag,
        author_id: post.authorId,
        used_at: post.createdAt,
      })),
    )
    .execute()
}

/**
 * The tags used by the most distinct accounts in good standing within the window before `now`,
 * most accounts first; ties go to the tag used last, then by name.
 */
export async function computeTrendingTags(
  em: EntityManager,
  now: Date,
  limit: number,
): Promise<TrendingTag[]> {
  const rows = await db(em)
    .selectFrom('tag_uses as t')
    .innerJoin('authors as a', 'a.id', 't.author_id')
    .select(['t.tag', sql<number>`count(distinct t.author_id)::int`.as('count')])
    .where('t.used_at', '>', windowStart(now))
    .where((eb) =>
      inGoodStandingAt(
        eb,
        { status: eb.ref('a.status'), bannedUntil: eb.ref('a.banned_until') },
        now,
      ),
    )
    .groupBy('t.tag')
    .orderBy(sql`count(distinct t.author_id)`, 'desc')
    .orderBy(sql`max(t.used_at)`, 'desc')
    .orderBy('t.tag')
    .limit(limit)
    .execute()
  return rows.map((row) => ({ tag: row.tag, count: row.count }))
}

/** Deletes up to a batch of uses older than the window; returns how many went. */
export async function pruneTagUses(em: EntityManager, now: Date): Promise<number> {
  const expired = db(em)
    .selectFrom('tag_uses')
    .select(['post_id', 'tag'])
    .where('used_at', '<=', windowStart(now))
    .limit(TAG_USES_PRUNE_BATCH)
  const result = await db(em)
    .deleteFrom('tag_uses')
    .where(sql<boolean>`(post_id, tag) in (${expired})`)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export interface TrendingTagsReader {
  /** Up to `limit` trending tags, computed at most `cacheMs` ago. */
  read(limit: number): Promise<TrendingTag[]>
}

/**
 * Trending tags as readers get them: the top list is computed at most once per `cacheMs` in this
 * process, whatever the load, and callers arriving while it is computed wait for that one answer.
 */
export function trendingTagsReader(deps: {
  em: EntityManager
  clock: () => Date
  cacheMs: number
}): TrendingTagsReader {
  const { em, clock, cacheMs } = deps
  let cached: { top: TrendingTag[]; until: number } | undefined
  let computing: Promise<TrendingTag[]> | undefined
  return {
    read: async (limit) => {
      const now = clock()
      let top = cached && now.getTime() < cached.until ? cached.top : undefined
      if (!top) {
        computing ??= computeTrendingTags(em.fork(), now, TRENDING_TAGS_MAX)
          .then((computed) => {
            cached = { top: computed, until: now.getTime() + cacheMs }
            return computed
          })
          .finally(() => {
            computing = undefined
          })
        top = await computing
      }
      return top.slice(0, limit)
    },
  }
}
