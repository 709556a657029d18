import {
  UserDeleted,
  UserEmailVerified,
  UserProfileUpdated,
  UserRegistered,
  UserRoleChanged,
} from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import type { AdminContext } from '../context.js'
import { User } from '../entities/user.entity.js'

/**
 * Thrown when an update overtakes the UserRegistered it depends on: the consumer retries it
 * (1 s, 10 s, 60 s) by which time the registration has normally arrived.
 */
export class UserNotProjectedYet extends Error {
  constructor(userId: string) {
    super(`user ${userId} is not in the projection yet`)
    this.name = 'UserNotProjectedYet'
  }
}

async function requireKnown(em: EntityManager, userId: string): Promise<void> {
  const known = await em.count(User, { id: userId })
  if (known === 0) throw new UserNotProjectedYet(userId)
}

export function registerUserConsumers(ctx: AdminContext, consumer: Consumer): void {
  consumer.on(UserRegistered, async (event, { em }) => {
    const now = ctx.clock()
    // A repeated registration (a replay, a re-run bootstrap) must not undo a ban decided here.
    await em
      .createQueryBuilder(User)
      .insert({
        id: event.userId,
        username: event.username,
        email: event.email,
        displayName: event.displayName,
        role: event.role,
        status: 'active',
        emailVerified: false,
        createdAt: new Date(event.registeredAt),
        bannedAt: null,
        banReason: null,
        bannedUntil: null,
        profileUpdatedAt: null,
        roleChangedAt: null,
        updatedAt: now,
      })
      .onConflict('id')
      .ignore()
      .execute('run')
  })

  consumer.on(UserEmailVerified, async (event, { em }) => {
    const updated = await em.nativeUpdate(
      User,
      { id: event.userId },
      { emailVerified: true, updatedAt: ctx.clock() },
    )
    if (updated === 0) throw new UserNotProjectedYet(event.userId)
  })

  consumer.on(UserProfileUpdated, async (event, { em, envelope }) => {
    const at = new Date(envelope.occurredAt)
    const updated = await em.nativeUpdate(
      User,
      { id: event.userId, $or: [{ profileUpdatedAt: null }, { profileUpdatedAt: { $lte: at } }] },
      { displayName: event.displayName, profileUpdatedAt: at, updatedAt: ctx.clock() },
    )
    if (updated === 0) await requireKnown(em, event.userId)
  })

  consumer.on(UserRoleChanged, async (event, { em, envelope }) => {
    const at = new Date(envelope.occurredAt)
    const updated = await em.nativeUpdate(
      User,
      { id: event.userId, $or: [{ roleChangedAt: null }, { roleChangedAt: { $lte: at } }] },
      { role: event.role, roleChangedAt: at, updatedAt: ctx.clock() },
    )
    if (updated === 0) await requireKnown(em, event.userId)
  })

  consumer.on(UserDeleted, async (event, { em }) => {
    const updated = await em.nativeUpdate(
      User,
      { id: event.userId },
      { status: 'deleted', updatedAt: ctx.clock() },
    )
    if (updated === 0) throw new UserNotProjectedYet(event.userId)
  })
}
