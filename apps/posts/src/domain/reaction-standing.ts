import type { EntityManager } from '@chatty/db'

import { db } from '../db.js'
import type { AuthorRow } from '../entities/author.entity.js'
import { movePostCounts, type PostCountMove } from './post-counters.js'

/**
 * Called by every moderation consumer that changed an account's standing (ban, unban, deletion),
 * in its transaction, with the account's locked row: its likes and reposts are to be counted out
 * of their posts' counts (or back in), in batches by `settleReactionBatch`. Lists leave a banned
 * account's reactions out at once (they filter on standing); the counts follow within a beat.
 */
export function settleReactionsLater(account: AuthorRow): void {
  account.reactionsPending = true
}

const REACTION_TABLES = [
  { table: 'likes', counter: 'likes' },
  { table: 'reposts', counter: 'reposts' },
] as const

type ReactionTable = (typeof REACTION_TABLES)[number]['table']

/** Where a walk through one table of an account's reactions has got to (oldest first). */
interface Position {
  createdAt: Date
  postId: string
}

/**
 * How far the batches have walked one account's reactions for one decision about it. Kept in
 * memory between batches: a walk that restarts (another replica, a crash) starts from the first
 * reaction and finds the settled ones already right.
 */
export interface ReactionWalk {
  userId: string
  /** The decision being applied; a newer one (its `moderated_at`) starts the walk again. */
  moderatedAt: number
  after: Partial<Record<ReactionTable, Position>>
  /** Whether every reaction of the account is now counted as its standing says. */
  settled: boolean
}

/**
 * Flips up to `limit` of `userId`'s reactions in `table` whose `counted` differs from `counted`,
 * oldest first after `after`, and answers them.
 */
async function flipReactions(
  em: EntityManager,
  table: ReactionTable,
  input: { userId: string; counted: boolean; after: Position | undefined; limit: number },
): Promise<{ post_id: string; created_at: Date }[]> {
  const { userId, counted, after, limit } = input
  return db(em)
    .updateTable(table)
    .set({ counted })
    .where('user_id', '=', userId)
    .where('post_id', 'in', (eb) => {
      let next = eb
        .selectFrom(table)
        .select('post_id')
        .where('user_id', '=', userId)
        .where('counted', '<>', counted)
      if (after) {
        next = next.where((eb) =>
          eb(eb.refTuple('created_at', 'post_id'), '>', eb.tuple(after.createdAt, after.postId)),
        )
      }
      return next.orderBy('created_at').orderBy('post_id').limit(limit).forUpdate()
    })
    .returning(['post_id', 'created_at'])
    .execute()
}

function laterOf(a: Position | undefined, b: Position): Position {
  if (!a) return b
  const order = a.createdAt.getTime() - b.createdAt.getTime() || (a.postId < b.postId ? -1 : 1)
  return order > 0 ? a : b
}

/**
 * One batch, in the caller's transaction: takes an account whose reactions are pending (no other
 * replica holds it; its row stays locked, so no ban, unban or reaction of it interleaves), and
 * counts up to `batchSize` of its likes and reposts in or out of their posts' counts as its
 * standing says (counted while the account is active; not while banned or deleted). When none is
 * left the account is settled. Answers the walk so far, or null when no account is pending.
 * Every flip is recorded on the reaction itself (`counted`), so a batch repeated after a crash,
 * a walk restarted from the beginning and a standing that changes mid-walk never count twice.
 */
export async function settleReactionBatch(
  em: EntityManager,
  { batchSize }: { batchSize: number },
  walk: ReactionWalk | null,
): Promise<ReactionWalk | null> {
  const account = await db(em)
    .selectFrom('authors')
    .select(['id', 'status', 'moderated_at'])
    .where('reactions_pending', '=', true)
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst()
  if (!account) return null
  const moderatedAt = account.moderated_at?.getTime() ?? 0
  const after =
    walk?.userId === account.id && walk.moderatedAt === moderatedAt ? { ...walk.after } : {}
  const counted = account.status === 'active'
  const moves = new Map<string, PostCountMove>()
  let budget = batchSize
  for (const { table, counter } of REACTION_TABLES) {
    if (budget === 0) break
    const flipped = await flipReactions(em, table, {
      userId: account.id,
      counted,
      after: after[table],
      limit: budget,
    })
    budget -= flipped.length
    for (const row of flipped) {
      const move = moves.get(row.post_id) ?? {}
      move[counter] = (move[counter] ?? 0) + (counted ? 1 : -1)
      moves.set(row.post_id, move)
      after[table] = laterOf(after[table], { createdAt: row.created_at, postId: row.post_id })
    }
  }
  for (const postId of [...moves.keys()].sort()) {
    await movePostCounts(em, postId, moves.get(postId) ?? {})
  }
  // A batch that did not use its whole budget found every table exhausted.
  const settled = budget > 0
  if (settled) {
    await db(em)
      .updateTable('authors')
      .set({ reactions_pending: false })
      .where('id', '=', account.id)
      .execute()
  }
  return { userId: account.id, moderatedAt, after, settled }
}
