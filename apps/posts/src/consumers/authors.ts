import { UserProfileUpdated, UserRegistered } from '@chatty/contracts'
import { recordRegistration } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import type { PostsContext } from '../context.js'
import { ensureAuthor } from '../domain/authors.js'

/** Keeps the names posts renders its authors with; standing is kept in `moderation.ts`. */
export function registerAuthorConsumers(
  consumer: Consumer,
  deps: Pick<PostsContext, 'clock'>,
): void {
  consumer.on(UserRegistered, async (event, { em }) => {
    const registeredAt = new Date(event.registeredAt)
    await recordRegistration(
      em,
      'authors',
      { ...event, registeredAt },
      { always: { registered_at: registeredAt, updated_at: deps.clock() } },
    )
  })

  consumer.on(UserProfileUpdated, async (event, { em, envelope }) => {
    const author = await ensureAuthor(em, deps, { id: event.userId, lock: true })
    const at = new Date(envelope.occurredAt)
    if (author.profileAt != null && author.profileAt > at) return
    author.displayName = event.displayName
    author.avatarUrl = event.avatarUrl
    author.bio = event.bio
    author.profileAt = at
    author.updatedAt = deps.clock()
  })
}
