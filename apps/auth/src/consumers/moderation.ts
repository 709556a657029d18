import {
  SendEmail,
  UserBanned,
  UserDeleted,
  UserRoleChanged,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import type { Consumer } from '@chatty/messaging'
import { enqueue } from '@chatty/messaging'

import type { AuthContext } from '../context.js'
import { blockUser } from '../domain/sessions.js'
import { User, type UserRow } from '../entities/user.entity.js'
import { SERVICE } from '../service.js'

/** Events can arrive out of order; one older than the last applied moderation is ignored. */
function isStale(user: UserRow, at: Date): boolean {
  return user.moderatedAt != null && user.moderatedAt > at
}

export function registerModerationConsumers(ctx: AuthContext, consumer: Consumer): void {
  consumer.on(UserBanned, async (event, { em, envelope }) => {
    const user = await em.findOne(User, { id: event.userId })
    const at = new Date(event.bannedAt)
    if (!user || user.status === 'deleted' || isStale(user, at)) return
    Object.assign(user, {
      status: 'banned',
      bannedAt: at,
      banReason: event.reason,
      bannedUntil: event.until ? new Date(event.until) : null,
      moderatedAt: at,
      updatedAt: ctx.clock(),
    })
    await blockUser(ctx, em, user.id, 'banned')
    enqueue(
      em,
      SendEmail,
      {
        emailId: uuidv7(),
        to: user.email,
        userId: user.id,
        template: 'account-banned',
        params: {
          username: user.username,
          displayName: user.displayName,
          reason: event.reason,
          until: event.until ?? '',
        },
      },
      { producer: SERVICE.name, correlationId: envelope.correlationId },
    )
  })

  consumer.on(UserUnbanned, async (event, { em }) => {
    const user = await em.findOne(User, { id: event.userId })
    const at = new Date(event.unbannedAt)
    if (!user || user.status !== 'banned' || isStale(user, at)) return
    // The revocation mark stays: tokens issued before the ban remain dead.
    Object.assign(user, {
      status: 'active',
      bannedAt: null,
      banReason: null,
      bannedUntil: null,
      moderatedAt: at,
      updatedAt: ctx.clock(),
    })
  })

  consumer.on(UserRoleChanged, async (event, { em }) => {
    const user = await em.findOne(User, { id: event.userId })
    if (!user || user.role === event.role) return
    user.role = event.role
    user.updatedAt = ctx.clock()
    // Tokens carry the role, so the old ones must go for a demotion to take effect at once.
    await blockUser(ctx, em, user.id, 'role-changed')
  })

  consumer.on(UserDeleted, async (event, { em }) => {
    const user = await em.findOne(User, { id: event.userId })
    if (!user || user.status === 'deleted') return
    user.status = 'deleted'
    user.updatedAt = ctx.clock()
    await blockUser(ctx, em, user.id, 'deleted')
  })
}
