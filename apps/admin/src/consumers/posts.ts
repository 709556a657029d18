import { PostCreated, PostDeleted, PostUpdated, type Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

interface PostVersion {
  postId: string
  title: string | null
  content: string
  visibility: Visibility
  /** When posts wrote this version: the post's createdAt or updatedAt. */
  at: Date
}

/** Keeps the newest version of the post's text: one arriving after a newer one is ignored. */
async function applyPostVersion(em: EntityManager, version: PostVersion): Promise<void> {
  await db(em)
    .updateTable('posts')
    .set({
      title: version.title,
      content: version.content,
      visibility: version.visibility,
      content_at: version.at,
    })
    .where('id', '=', version.postId)
    .where((eb) => eb.or([eb('content_at', 'is', null), eb('content_at', '<', version.at)]))
    .execute()
}

/**
 * admin's post projection, for takedowns and the report queue. Each event may overtake the
 * others: the first one creates the row, a deletion is kept whatever comes after it, and the text
 * is the newest version seen.
 */
export function registerPostConsumers(consumer: Consumer): void {
  consumer.on(PostCreated, async (event, { em }) => {
    const createdAt = new Date(event.createdAt)
    // A deletion or an update that arrived first left the row; the create fills in its time.
    await db(em)
      .insertInto('posts')
      .values({ id: event.postId, author_id: event.authorId, created_at: createdAt })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') })),
      )
      .execute()
    await applyPostVersion(em, { ...event, at: createdAt })
  })

  consumer.on(PostUpdated, async (event, { em }) => {
    await db(em)
      .insertInto('posts')
      .values({ id: event.postId, author_id: event.authorId })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute()
    await applyPostVersion(em, { ...event, at: new Date(event.updatedAt) })
  })

  consumer.on(PostDeleted, async (event, { em }) => {
    await db(em)
      .insertInto('posts')
      .values({
        id: event.postId,
        author_id: event.authorId,
        deleted_at: new Date(event.deletedAt),
      })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          deleted_at: eb.fn.coalesce('posts.deleted_at', 'excluded.deleted_at'),
        })),
      )
      .execute()
  })
}
