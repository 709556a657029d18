import { CommentCreated, CommentDeleted, CommentUpdated } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

interface CommentVersion {
  commentId: string
  content: string
  /** When posts wrote this version: the comment's createdAt or updatedAt. */
  at: Date
}

/** Keeps the newest version of the comment's text: one arriving after a newer one is ignored. */
async function applyCommentVersion(em: EntityManager, version: CommentVersion): Promise<void> {
  await db(em)
    .updateTable('comments')
    .set({ content: version.content, content_at: version.at })
    .where('id', '=', version.commentId)
    .where((eb) => eb.or([eb('content_at', 'is', null), eb('content_at', '<', version.at)]))
    .execute()
}

/**
 * admin's comment projection, for comment takedowns and the report queue; the same rules as the
 * posts' (`consumers/posts.ts`): any event may come first, a deletion stays, the newest text wins.
 */
export function registerCommentConsumers(consumer: Consumer): void {
  consumer.on(CommentCreated, async (event, { em }) => {
    const createdAt = new Date(event.createdAt)
    await db(em)
      .insertInto('comments')
      .values({
        id: event.commentId,
        post_id: event.postId,
        author_id: event.authorId,
        created_at: createdAt,
      })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') })),
      )
      .execute()
    await applyCommentVersion(em, { ...event, at: createdAt })
  })

  consumer.on(CommentUpdated, async (event, { em }) => {
    await db(em)
      .insertInto('comments')
      .values({ id: event.commentId, post_id: event.postId, author_id: event.authorId })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute()
    await applyCommentVersion(em, { ...event, at: new Date(event.updatedAt) })
  })

  consumer.on(CommentDeleted, async (event, { em }) => {
    await db(em)
      .insertInto('comments')
      .values({
        id: event.commentId,
        post_id: event.postId,
        author_id: event.authorId,
        deleted_at: new Date(event.deletedAt),
      })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          deleted_at: eb.fn.coalesce('comments.deleted_at', 'excluded.deleted_at'),
        })),
      )
      .execute()
  })
}
