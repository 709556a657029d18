import {
  UserDeleted,
  UserEmailVerified,
  UserProfileUpdated,
  UserRegistered,
  UserRoleChanged,
} from '@chatty/contracts'
import type { Consumer } from '@chatty/messaging'

import { applyRegistration, ensureUser } from '../domain/users.js'

/**
 * Keeps admin's projection of accounts from auth's events. Every event may overtake the account's
 * UserRegistered: it then applies to a placeholder row (see `ensureUser`) that the registration
 * fills in.
 */
export function registerUserConsumers(consumer: Consumer, deps: { clock: () => Date }): void {
  consumer.on(UserRegistered, (event, { em }) =>
    applyRegistration(em, deps, {
      userId: event.userId,
      username: event.username,
      email: event.email,
      displayName: event.displayName,
      role: event.role,
      registeredAt: new Date(event.registeredAt),
    }),
  )

  consumer.on(UserEmailVerified, async (event, { em }) => {
    const now = deps.clock()
    const user = await ensureUser(em, event.userId, now)
    user.emailVerified = true
    user.updatedAt = now
  })

  consumer.on(UserProfileUpdated, async (event, { em, envelope }) => {
    const now = deps.clock()
    const user = await ensureUser(em, event.userId, now)
    const at = new Date(envelope.occurredAt)
    if (user.profileUpdatedAt != null && user.profileUpdatedAt > at) return
    user.displayName = event.displayName
    user.profileUpdatedAt = at
    user.updatedAt = now
  })

  consumer.on(UserRoleChanged, async (event, { em, envelope }) => {
    const now = deps.clock()
    const user = await ensureUser(em, event.userId, now)
    const at = new Date(envelope.occurredAt)
    if (user.roleChangedAt != null && user.roleChangedAt > at) return
    user.role = event.role
    user.roleChangedAt = at
    user.updatedAt = now
  })

  consumer.on(UserDeleted, async (event, { em }) => {
    const now = deps.clock()
    const user = await ensureUser(em, event.userId, now)
    user.status = 'deleted'
    user.updatedAt = now
  })
}
