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
  /** Votes added to (or taken from) each option of the post's poll, by option index. */
  pollVotes?: readonly number[]
  pollVoters?: number
}

export interface PostCounts {
  likeCount: number
  commentCount: number
  repostCount: number
}

/** A poll's counts: votes per option (always four; a poll uses its first 2–4) and voters. */
export interface PollCounts {
  votes: number[]
  voters: number
}

/** The shard columns of the poll's options, by option index. */
export const POLL_VOTE_COLUMNS = [
  'poll_votes0',
  'poll_votes1',
  'poll_votes2',
  'poll_votes3',
] as const

/** How a vote of `choices` moves the counts: +1 (counted in) or −1 (counted out). */
export function voteMove(choices: readonly number[], sign: 1 | -1): PostCountMove {
  return {
    pollVotes: POLL_VOTE_COLUMNS.map((_, option) => (choices.includes(option) ? sign : 0)),
    pollVoters: sign,
  }
}

/** The sum of two moves of one post's counts. */
export function addMoves(a: PostCountMove, b: PostCountMove): PostCountMove {
  return {
    likes: (a.likes ?? 0) + (b.likes ?? 0),
    comments: (a.comments ?? 0) + (b.comments ?? 0),
    reposts: (a.reposts ?? 0) + (b.reposts ?? 0),
    pollVotes: POLL_VOTE_COLUMNS.map(
      (_, option) => (a.pollVotes?.[option] ?? 0) + (b.pollVotes?.[option] ?? 0),
    ),
    pollVoters: (a.pollVoters ?? 0) + (b.pollVoters ?? 0),
  }
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
    {
      likes: move.likes ?? 0,
      comments: move.comments ?? 0,
      reposts: move.reposts ?? 0,
      ...Object.fromEntries(
        POLL_VOTE_COLUMNS.map((column, option) => [column, move.pollVotes?.[option] ?? 0]),
      ),
      poll_voters: move.pollVoters ?? 0,
    },
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

type PostTotals = PostCounts & { poll: PollCounts }

function noTotals(): PostTotals {
  return {
    likeCount: 0,
    commentCount: 0,
    repostCount: 0,
    poll: { votes: POLL_VOTE_COLUMNS.map(() => 0), voters: 0 },
  }
}

/**
 * One rollup pass, in the caller's transaction: takes up to POST_COUNTS_BATCH posts with pending
 * shards, locks all their shards (waiting for reactions in flight to commit), totals them, clears
 * `pending` on the shards it totaled (a shard created meanwhile waits for the next pass), bumps each post's `counts_version` and queues PostCountsChanged with the totals. The
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
    .select([
      'post_id',
      'shard',
      'likes',
      'comments',
      'reposts',
      ...POLL_VOTE_COLUMNS,
      'poll_voters',
    ])
    .where('post_id', 'in', postIds)
    .orderBy('post_id')
    .orderBy('shard')
    .forUpdate()
    .execute()
  const totals = new Map<string, PostTotals>()
  for (const shard of shards) {
    const total = totals.get(shard.post_id) ?? noTotals()
    total.likeCount += shard.likes
    total.commentCount += shard.comments
    total.repostCount += shard.reposts
    POLL_VOTE_COLUMNS.forEach((column, option) => {
      total.poll.votes[option] = (total.poll.votes[option] ?? 0) + shard[column]
    })
    total.poll.voters += shard.poll_voters
    totals.set(shard.post_id, total)
  }
  // How many options each post's poll has; posts without a poll publish no poll counts.
  const polls = await kysely
    .selectFrom('polls')
    .select(['post_id', sql<number>`cardinality(options)`.as('option_count')])
    .where('post_id', 'in', postIds)
    .execute()
  const optionCounts = new Map(polls.map((poll) => [poll.post_id, Number(poll.option_count)]))
  // Only the shards totaled above: one inserted since (a move that found every shard locked) is
  // not in these totals, so it stays pending for the next pass. At most POST_COUNTS_BATCH × 16
  // pairs, well under PostgreSQL's 65 535 parameters.
  await kysely
    .updateTable('post_counters')
    .set({ pending: false })
    .where((eb) =>
      eb(
        eb.refTuple('post_id', 'shard'),
        'in',
        shards.map((shard) => eb.tuple(shard.post_id, shard.shard)),
      ),
    )
    .where('pending', '=', true)
    .execute()
  const versions = await kysely
    .updateTable('posts')
    .set((eb) => ({ counts_version: eb('counts_version', '+', 1) }))
    .where('id', 'in', postIds)
    .returning(['id', 'counts_version'])
    .execute()
  for (const { id, counts_version: version } of versions) {
    const total = totals.get(id) ?? noTotals()
    const optionCount = optionCounts.get(id)
    const poll =
      optionCount === undefined
        ? undefined
        : {
            votes: Array.from({ length: optionCount }, (_, option) =>
              Math.max(0, total.poll.votes[option] ?? 0),
            ),
            votersCount: Math.max(0, total.poll.voters),
          }
    enqueue(
      em,
      PostCountsChanged,
      {
        postId: id,
        likeCount: Math.max(0, total.likeCount),
        commentCount: Math.max(0, total.commentCount),
        repostCount: Math.max(0, total.repostCount),
        ...(poll ? { poll } : {}),
        version,
      },
      { producer: SERVICE.name, correlationId: null },
    )
  }
  return versions.length
}
