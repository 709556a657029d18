import { PostCreated, PostDeleted } from '@chatty/contracts'
import type { Consumer } from '@chatty/messaging'

export function registerPostConsumers(consumer: Consumer): void {
  consumer.on(PostCreated, async (event, { em }) => {
    // A deletion that arrived first left a tombstone; the create only fills in its time.
    await em.execute(
      `insert into "posts" ("id", "author_id", "created_at", "deleted_at") values (?, ?, ?, null)
       on conflict ("id") do update set "created_at" = excluded."created_at"`,
      [event.postId, event.authorId, new Date(event.createdAt)],
      'run',
    )
  })

  consumer.on(PostDeleted, async (event, { em }) => {
    await em.execute(
      `insert into "posts" ("id", "author_id", "created_at", "deleted_at") values (?, ?, null, ?)
       on conflict ("id") do update
         set "deleted_at" = coalesce("posts"."deleted_at", excluded."deleted_at")`,
      [event.postId, event.authorId, new Date(event.deletedAt)],
      'run',
    )
  })
}
