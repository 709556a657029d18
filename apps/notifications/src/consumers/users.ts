import { UserProfileUpdated, UserRegistered } from '@chatty/contracts'
import { recordRegistration } from '@chatty/db'

import type { NotificationsContext } from '../context.js'
import { db } from '../db.js'
import { ensureUser } from '../domain/users.js'

/**
 * The name and avatar an actor is shown with. Either event may overtake the other (or the
 * account's other events); the newer profile wins. Bans and deletions are in `moderation.ts`.
 */
export function registerUserConsumers(ctx: NotificationsContext): void {
  ctx.messaging.consumer.on(UserRegistered, async (event, { em }) => {
    await recordRegistration(em, 'users', {
      ...event,
      registeredAt: new Date(event.registeredAt),
    })
  })

  ctx.messaging.consumer.on(UserProfileUpdated, async (event, { em, envelope }) => {
    const at = new Date(envelope.occurredAt)
    const user = await ensureUser(em, event.userId)
    if (user.profile_at !== null && user.profile_at > at) return
    await db(em)
      .updateTable('users')
      .set({ display_name: event.displayName, avatar_url: event.avatarUrl, profile_at: at })
      .where('id', '=', event.userId)
      .execute()
  })
}
