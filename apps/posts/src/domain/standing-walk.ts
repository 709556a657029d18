import type { EntityManager } from '@chatty/db'

import { db } from '../db.js'
import type { AuthorRow } from '../entities/author.entity.js'
import { addMoves, movePostCounts, type PostCountMove, voteMove } from './post-counters.js'

/**
 * Called by every moderation consumer that changed an account's standing (ban, unban, deletion),
 * in its transaction, with the account's locked row: its likes, reposts, comments and poll votes are to be
 * counted out of their posts' counts (or back in) by the standing walk, in batches. Reads leave a
 * banned account's contributions out at once (they filter on standing); the counts follow within
 * a beat.
 */
export function recountContributionsLater(account: AuthorRow): void {
  account.contributionsPending = true
}

interface Flipped {
  post_id: string
  /** The options of a flipped poll vote. */
  choices?: number[]
}

/** Flips `counted` on up to `limit` of the account's likes, reposts or votes that disagree with it. */
function flipReactions(
  em: EntityManager,
  table: 'likes' | 'reposts' | 'poll_votes',
  input: { userId: string; counted: boolean; limit: number },
): Promise<Flipped[]> {
  const { userId, counted, limit } = input
  return db(em)
    .updateTable(table)
    .set({ counted })
    .where('user_id', '=', userId)
    .where('post_id', 'in', (eb) =>
      eb
        .selectFrom(table)
        .select('post_id')
        .where('user_id', '=', userId)
        .where('counted', '<>', counted)
        .orderBy('post_id')
        .limit(limit)
        .forUpdate(),
    )
    .returning('post_id')
    .execute()
}

/** Flips `counted` on up to `limit` of the account's live comments that disagree with it. */
function flipComments(
  em: EntityManager,
  input: { userId: string; counted: boolean; limit: number },
): Promise<Flipped[]> {
  const { userId, counted, limit } = input
  return db(em)
    .updateTable('comments')
    .set({ counted })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('comments')
        .select('id')
        .where('author_id', '=', userId)
        .where('deleted_at', 'is', null)
        .where('counted', '<>', counted)
        .orderBy('id')
        .limit(limit)
        .forUpdate(),
    )
    .returning('post_id')
    .execute()
}

/** Flips `counted` on up to `limit` of the account's poll votes, answering their choices. */
async function flipVotes(
  em: EntityManager,
  input: { userId: string; counted: boolean; limit: number },
): Promise<Flipped[]> {
  const flipped = await flipReactions(em, 'poll_votes', input)
  if (flipped.length === 0) return []
  return db(em)
    .selectFrom('poll_votes')
    .select(['post_id', 'choices'])
    .where('user_id', '=', input.userId)
    .where(
      'post_id',
      'in',
      flipped.map((vote) => vote.post_id),
    )
    .execute()
}

const CONTRIBUTIONS = [
  { flip: (em, input) => flipReactions(em, 'likes', input), move: (_, sign) => ({ likes: sign }) },
  {
    flip: (em, input) => flipReactions(em, 'reposts', input),
    move: (_, sign) => ({ reposts: sign }),
  },
  { flip: flipComments, move: (_, sign) => ({ comments: sign }) },
  { flip: flipVotes, move: (flipped, sign) => voteMove(flipped.choices ?? [], sign) },
] as const satisfies readonly {
  flip: (
    em: EntityManager,
    input: { userId: string; counted: boolean; limit: number },
  ) => Promise<Flipped[]>
  /** How one flipped contribution moves its post's counts. */
  move: (flipped: Flipped, sign: 1 | -1) => PostCountMove
}[]

/**
 * One batch of the standing walk, in the caller's transaction: takes an account whose
 * contributions are pending (no other replica holds it; its row stays locked, so no ban, unban or
 * new reaction of it interleaves), and flips up to `batchSize` of its likes, reposts, live
 * comments and poll votes to what its standing says (counted while the account is active, not while banned or
 * deleted), moving each post's counts by the flips. When nothing disagrees any more the account is
 * settled. Every flip is recorded on the row itself (`counted`), so a batch repeated after a crash
 * and a standing that changes mid-walk never count twice. Answers whether an account was pending.
 */
export async function walkStandingBatch(
  em: EntityManager,
  { batchSize }: { batchSize: number },
): Promise<'walked' | 'idle'> {
  const account = await db(em)
    .selectFrom('authors')
    .select(['id', 'status'])
    .where('contributions_pending', '=', true)
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst()
  if (!account) return 'idle'
  const counted = account.status === 'active'
  const moves = new Map<string, PostCountMove>()
  let budget = batchSize
  for (const { flip, move } of CONTRIBUTIONS) {
    if (budget === 0) break
    const flipped = await flip(em, { userId: account.id, counted, limit: budget })
    budget -= flipped.length
    for (const contribution of flipped) {
      const postId = contribution.post_id
      moves.set(postId, addMoves(moves.get(postId) ?? {}, move(contribution, counted ? 1 : -1)))
    }
  }
  for (const postId of [...moves.keys()].sort()) {
    await movePostCounts(em, postId, moves.get(postId) ?? {})
  }
  // A batch that did not use its whole budget found nothing left to flip.
  if (budget > 0) {
    await db(em)
      .updateTable('authors')
      .set({ contributions_pending: false })
      .where('id', '=', account.id)
      .execute()
  }
  return 'walked'
}
