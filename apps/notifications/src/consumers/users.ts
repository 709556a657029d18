import { UserProfileUpdated, UserRegistered } from '@chatty/contracts'

import type { NotificationsContext } from '../context.js'
import { db } from '../db.js'
import { ensureUser } from '../domain/users.js'

/**
 * The name and avatar an actor is shown with. Either event may overtake the other (or the
 * account's other events); the newer profile wins. Bans and deletions are in `moderation.ts`.
 */
export function registerUserConsumers(ctx: NotificationsContext): void {
  ctx.messaging.consumer.on(UserRegistered, async (event, { em }) => {
    const registeredAt = new Date(event.registeredAt)
    await db(em)
      .insertInto('users')
      .values({
        id: event.userId,
        username: event.username,
        display_name: event.displayName,
        profile_at: registeredAt,
      })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          username: eb.ref('excluded.username'),
          display_name: eb
            .case()
            .when(
              eb.or([
                eb('users.profile_at', 'is', null),
                eb('users.profile_at', '<', eb.ref('excluded.profile_at')),
              ]),
            )
            .then(eb.ref('excluded.display_name'))
            .else(eb.ref('users.display_name'))
            .end(),
          profile_at: eb.fn('greatest', [
            eb.ref('users.profile_at'),
            eb.ref('excluded.profile_at'),
          ]),
        })),
      )
      .execute()
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
