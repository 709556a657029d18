import { UserBanned, UserDeleted, UserRoleChanged, UserUnbanned } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { isStaleModeration } from '@chatty/domain'
import type { Logger } from '@chatty/logger'
import type { Consumer } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import { emailAccount } from '../domain/accounts.js'
import { closeAccount } from '../domain/deletion.js'
import { blockUser, refuseTokensIssuedBefore, type RevocationDeps } from '../domain/sessions.js'
import { User, type UserRow } from '../entities/user.entity.js'

/** auth owns accounts: an event about one it does not have is logged and skipped. */
async function findModerated(
  em: EntityManager,
  logger: Logger,
  userId: string,
  lockMode?: LockMode,
): Promise<UserRow | null> {
  const user = await em.findOne(User, { id: userId }, lockMode ? { lockMode } : {})
  if (!user) logger.warn({ userId }, 'moderation event for an unknown account skipped')
  return user
}

export function registerModerationConsumers(deps: RevocationDeps, consumer: Consumer): void {
  consumer.on(UserBanned, async (event, { em, envelope, logger }) => {
    const user = await findModerated(em, logger, event.userId)
    const at = new Date(event.bannedAt)
    if (!user || user.status === 'deleted' || isStaleModeration(user, at)) return
    Object.assign(user, {
      status: 'banned',
      bannedAt: at,
      banReason: event.reason,
      bannedUntil: event.until ? new Date(event.until) : null,
      moderatedAt: at,
      updatedAt: deps.clock(),
    })
    await blockUser(em, deps, { userId: user.id, reason: 'banned' })
    emailAccount(em, {
      user,
      template: 'account-banned',
      params: { reason: event.reason, until: event.until ?? '' },
      correlationId: envelope.correlationId,
    })
  })

  consumer.on(UserUnbanned, async (event, { em, logger }) => {
    const user = await findModerated(em, logger, event.userId)
    const at = new Date(event.unbannedAt)
    if (!user || user.status !== 'banned' || isStaleModeration(user, at)) return
    // The revocation mark stays: tokens issued before the ban remain dead.
    Object.assign(user, {
      status: 'active',
      bannedAt: null,
      banReason: null,
      bannedUntil: null,
      moderatedAt: at,
      updatedAt: deps.clock(),
    })
  })

  consumer.on(UserRoleChanged, async (event, { em, envelope, logger }) => {
    // Locked: of two role changes applied at once, the later decision must be the one kept.
    const user = await findModerated(em, logger, event.userId, LockMode.PESSIMISTIC_WRITE)
    const at = new Date(envelope.occurredAt)
    if (!user || user.status === 'deleted') return
    if (user.roleChangedAt && user.roleChangedAt >= at) return
    user.roleChangedAt = at
    if (user.role === event.role) return
    user.role = event.role
    user.updatedAt = deps.clock()
    // Tokens carry the role, so the old ones must go for a demotion to take effect at once; the
    // sessions stay, and a refresh issues a token with the new role.
    await refuseTokensIssuedBefore(deps, { userId: user.id })
  })

  // The same whether admin deleted the account or auth's own DELETE /api/users/me did.
  consumer.on(UserDeleted, async (event, { em, logger }) => {
    const user = await findModerated(em, logger, event.userId)
    if (!user || user.status === 'deleted') return
    await closeAccount(em, deps, user)
  })
}
