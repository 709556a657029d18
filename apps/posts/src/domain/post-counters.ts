import { PostCountsChanged } from '@chatty/contracts'
import { addToCounterShard, type EntityManager, type ShardedCounter } from '@chatty/db'
import { enqueue } from '@chatty/messaging'
import { sql } from 'kysely'

import { db } from '../db.js'
import { SERVICE } from '../service.js'

/** What can be counted on a post. */
export interface PostCountMove {
  likes?: number
  comments?: number
  reposts?: number
}

export interface PostCounts {
  likeCount: number
  commentCount: number
  repostCount: number
}

const POST_COUNTERS: ShardedCounter = { table: 'post_counters', key: 'post_id', shards: 16 }

/** Posts whose totals one rollup pass publishes at most. */
export const POST_COUNTS_BATCH = 500

/** Any number, so only one replica totals at a time (two would wait on each other's shards). */
const ROLLUP_LOCK = 7_283_401

/**
 * Moves a post's counts in the caller's transaction, on a shard no other transaction holds, and
 * marks the shard pending: the rollup publishes the new totals after the commit (PostCountsChanged).
 * This is the one way a count changes; counts leave out banned and deleted accounts' reactions, so
 * a ban moves them too.
 */
export async function movePostCounts(
  em: EntityManager,
  postId: string,
  move: PostCountMove,
): Promise<void> {
  await addToCounterShard(
    em,
    POST_COUNTERS,
    postId,
    { likes: move.likes ?? 0, comments: move.comments ?? 0, reposts: move.reposts ?? 0 },
    { pending: true },
  )
}

/** The totals of one post, as this transaction sees them. */
export async function postCounts(em: EntityManager, postId: string): Promise<PostCounts> {
  const row = await db(em)
    .selectFrom('post_counters')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('likes'), eb.lit(0)).as('likes'),
      eb.fn.coalesce(eb.fn.sum<number>('comments'), eb.lit(0)).as('comments'),
      eb.fn.coalesce(eb.fn.sum<number>('reposts'), eb.lit(0)).as('reposts'),
    ])
    .where('post_id', '=', postId)
    .executeTakeFirstOrThrow()
  return {
    likeCount: Math.max(0, Number(row.likes)),
    commentCount: Math.max(0, Number(row.comments)),
    repostCount: Math.max(0, Number(row.reposts)),
  }
}

/**
 * One rollup pass, in the caller's transaction: takes up to POST_COUNTS_BATCH posts with pending
 * shards, locks all their shards (waiting for reactions in flight to commit), totals them, clears
 * `pending`, bumps each post's `counts_version` and queues PostCountsChanged with the totals. The
 * last event of a post therefore always carries its committed totals, whatever raced it. Answers
 * how many posts it published; 0 when another replica holds the rollup.
 */
export async function rollUpPostCounts(em: EntityManager): Promise<number> {
  const kysely = db(em)
  const { rows } = await sql<{
    locked: boolean
  }>`select pg_try_advisory_xact_lock(${ROLLUP_LOCK}) as locked`.execute(kysely)
  if (!rows[0]?.locked) return 0
  const pending = await kysely
    .selectFrom('post_counters')
    .select('post_id')
    .distinct()
    .where('pending', '=', true)
    .limit(POST_COUNTS_BATCH)
    .execute()
  const postIds = pending.map((row) => row.post_id)
  if (postIds.length === 0) return 0
  const shards = await kysely
    .selectFrom('post_counters')
    .select(['post_id', 'likes', 'comments', 'reposts'])
    .where('post_id', 'in', postIds)
    .orderBy('post_id')
    .orderBy('shard')
    .forUpdate()
    .execute()
  const totals = new Map<string, PostCounts>()
  for (const shard of shards) {
    const total = totals.get(shard.post_id) ?? { likeCount: 0, commentCount: 0, repostCount: 0 }
    total.likeCount += shard.likes
    total.commentCount += shard.comments
    total.repostCount += shard.reposts
    totals.set(shard.post_id, total)
  }
  await kysely
    .updateTable('post_counters')
    .set({ pending: false })
    .where('post_id', 'in', postIds)
    .where('pending', '=', true)
    .execute()
  const versions = await kysely
    .updateTable('posts')
    .set((eb) => ({ counts_version: eb('counts_version', '+', 1) }))
    .where('id', 'in', postIds)
    .returning(['id', 'counts_version'])
    .execute()
  for (const { id, counts_version: version } of versions) {
    const total = totals.get(id) ?? { likeCount: 0, commentCount: 0, repostCount: 0 }
    enqueue(
      em,
      PostCountsChanged,
      {
        postId: id,
        likeCount: Math.max(0, total.likeCount),
        commentCount: Math.max(0, total.commentCount),
        repostCount: Math.max(0, total.repostCount),
        version,
      },
      { producer: SERVICE.name, correlationId: null },
    )
  }
  return versions.length
}
