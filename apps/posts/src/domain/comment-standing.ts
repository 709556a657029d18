import type { EntityManager } from '@chatty/db'
import { isInGoodStanding } from '@chatty/domain'

import type { PostsContext } from '../context.js'
import { db } from '../db.js'
import { movePostCounts } from './post-counters.js'

type Deps = Pick<PostsContext, 'clock'>

/**
 * Records that `authorId`'s standing changed (a ban, an unban, a deletion), in the moderation
 * consumer's transaction: the comment-standing job then takes their comments out of their posts'
 * commentCount, or puts them back, in bounded batches (`walkCommentStanding`). Idempotent.
 */
export async function scheduleCommentStandingWalk(
  em: EntityManager,
  { clock }: Deps,
  authorId: string,
): Promise<void> {
  await db(em)
    .insertInto('comment_standing_walks')
    .values({ author_id: authorId, requested_at: clock() })
    .onConflict((conflict) => conflict.column('author_id').doNothing())
    .execute()
}

/**
 * One batch of the oldest pending walk, in the caller's transaction: takes the author's row
 * `FOR SHARE` (the lock moderation consumers take `FOR UPDATE`, so the standing cannot change
 * meanwhile), flips `counted` on up to `batchSize` of their live comments that disagree with it,
 * and moves each post's count by as many. A comment flips only where it still disagrees, so
 * repeated, reordered or overlapping walks move nothing twice. The walk row goes once a batch
 * comes up short. Answers whether there was a walk to work on.
 */
export async function walkCommentStanding(
  em: EntityManager,
  { clock }: Deps,
  { batchSize }: { batchSize: number },
): Promise<'walked' | 'idle'> {
  const kysely = db(em)
  const walk = await kysely
    .selectFrom('comment_standing_walks')
    .select('author_id')
    .orderBy('requested_at')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst()
  if (!walk) return 'idle'
  const authorId = walk.author_id
  const author = await kysely
    .selectFrom('authors')
    .select(['status', 'banned_until'])
    .where('id', '=', authorId)
    .forShare()
    .executeTakeFirst()
  const counted =
    author !== undefined &&
    isInGoodStanding({ status: author.status, bannedUntil: author.banned_until }, clock())
  // Locked before they are changed (a deletion in flight is waited for and then no longer
  // matches), so a short batch means nothing is left to flip.
  const disagreeing = await kysely
    .selectFrom('comments')
    .select('id')
    .where('author_id', '=', authorId)
    .where('deleted_at', 'is', null)
    .where('counted', '=', !counted)
    .orderBy('id')
    .limit(batchSize)
    .forUpdate()
    .execute()
  if (disagreeing.length > 0) {
    const flipped = await kysely
      .updateTable('comments')
      .set({ counted })
      .where(
        'id',
        'in',
        disagreeing.map((row) => row.id),
      )
      .returning('post_id')
      .execute()
    const perPost = new Map<string, number>()
    for (const { post_id: postId } of flipped) perPost.set(postId, (perPost.get(postId) ?? 0) + 1)
    for (const postId of [...perPost.keys()].sort()) {
      const comments = perPost.get(postId) ?? 0
      await movePostCounts(em, postId, { comments: counted ? comments : -comments })
    }
  }
  if (disagreeing.length < batchSize) {
    await kysely.deleteFrom('comment_standing_walks').where('author_id', '=', authorId).execute()
  }
  return 'walked'
}
