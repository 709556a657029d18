import { PostCreated, PostDeleted } from '@chatty/contracts'
import { type EntityManager, movePostCount } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

/**
 * Records a post as created; counts it for its author only if this is the first auth hears of it.
 * A post whose PostDeleted came first already has a tombstone and is never counted. The author's
 * users row is not needed (auth owns the accounts, so the id is one of them) and not touched.
 */
async function countCreated(
  em: EntityManager,
  post: { postId: string; authorId: string; createdAt: string },
) {
  const recorded = await db(em)
    .insertInto('authored_posts')
    .values({
      post_id: post.postId,
      author_id: post.authorId,
      created_at: new Date(post.createdAt),
      deleted_at: null,
    })
    .onConflict((conflict) => conflict.column('post_id').doNothing())
    .executeTakeFirstOrThrow()
  if (recorded.numInsertedOrUpdatedRows === 0n) return
  await movePostCount(em, post.authorId, 1)
}

/**
 * Records a post as deleted in one statement, so a PostCreated of the same post applied at the same
 * time either counted it before (and this uncounts it) or finds the tombstone: the count moves down
 * only when a counted, live post turns deleted.
 */
async function countDeleted(
  em: EntityManager,
  post: { postId: string; authorId: string; deletedAt: string },
) {
  const deleted = await db(em)
    .insertInto('authored_posts')
    .values({
      post_id: post.postId,
      author_id: post.authorId,
      created_at: null,
      deleted_at: new Date(post.deletedAt),
    })
    .onConflict((conflict) =>
      conflict
        .column('post_id')
        .doUpdateSet((eb) => ({ deleted_at: eb.ref('excluded.deleted_at') }))
        .where('authored_posts.deleted_at', 'is', null),
    )
    // A new tombstone has no creation time; a live post that turns deleted has one.
    .returning(['author_id', 'created_at'])
    .executeTakeFirst()
  if (!deleted?.created_at) return
  await movePostCount(em, deleted.author_id, -1)
}

export function registerPostConsumers(consumer: Consumer): void {
  consumer.on(PostCreated, (event, { em }) => countCreated(em, event))
  consumer.on(PostDeleted, (event, { em }) => countDeleted(em, event))
}
