import { PostCreated, PostDeleted } from '@chatty/contracts'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

export function registerPostConsumers(consumer: Consumer): void {
  consumer.on(PostCreated, async (event, { em }) => {
    // A deletion that arrived first left a tombstone; the create only fills in its time.
    await db(em)
      .insertInto('posts')
      .values({
        id: event.postId,
        author_id: event.authorId,
        created_at: new Date(event.createdAt),
        deleted_at: null,
      })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') })),
      )
      .execute()
  })

  consumer.on(PostDeleted, async (event, { em }) => {
    await db(em)
      .insertInto('posts')
      .values({
        id: event.postId,
        author_id: event.authorId,
        created_at: null,
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
