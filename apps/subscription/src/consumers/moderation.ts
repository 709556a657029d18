import { UserBanned, UserDeleted, UserUnbanned } from '@chatty/contracts'
import { isStaleModeration } from '@chatty/domain'

import type { SubscriptionContext } from '../context.js'
import { hideAuthor, removeAccount, restoreAuthor } from '../domain/fan-out.js'
import { ensureUser, type UserRecord } from '../domain/users.js'
import { User } from '../entities/user.entity.js'

/** Moderation events can arrive out of order; one older than the last applied is ignored. */
function isStale(user: UserRecord, at: Date): boolean {
  return isStaleModeration({ moderatedAt: user.moderated_at }, at)
}

/**
 * Where bans and deletions reach the feeds and the follow graph: a banned or deleted author's
 * posts leave every feed (their followers' in batches after commit when there are many, see
 * `domain/feed-removals.ts`), and an unbanned author's come back. A deleted account's follows are
 * removed, both ways, in the same batches. The event may overtake the account's UserRegistered
 * (see `ensureUser`).
 */
export function registerModerationConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(UserBanned, async (event, { em }) => {
    const at = new Date(event.bannedAt)
    const user = await ensureUser(em, event.userId, at)
    if (user.status === 'deleted' || isStale(user, at)) return
    const until = event.until ? new Date(event.until) : null
    await em.nativeUpdate(
      User,
      { id: user.id },
      { status: 'banned', bannedUntil: until, moderatedAt: at },
    )
    // Also when already banned: a ban that ran out shows the posts again (feed rebuilds, new
    // posts). Also when this ban has run out already: admin publishes UserUnbanned when a ban
    // expires, and that puts the posts back.
    await hideAuthor(em, ctx, user)
  })

  ctx.messaging.consumer.on(UserUnbanned, async (event, { em }) => {
    const at = new Date(event.unbannedAt)
    const user = await ensureUser(em, event.userId, at)
    // Recorded even when no ban is known yet, so a ban that arrives late and is older stays ignored.
    if (user.status === 'deleted' || isStale(user, at)) return
    await em.nativeUpdate(
      User,
      { id: user.id },
      { status: 'active', bannedUntil: null, moderatedAt: at },
    )
    if (user.status === 'banned') await restoreAuthor(em, ctx, { ...user, status: 'active' })
  })

  ctx.messaging.consumer.on(UserDeleted, async (event, { em, envelope }) => {
    const at = new Date(envelope.occurredAt)
    const user = await ensureUser(em, event.userId, at)
    // Deletion is final: auth's and admin's UserDeleted for one account find it done.
    if (user.status === 'deleted') return
    await em.nativeUpdate(
      User,
      { id: user.id },
      { status: 'deleted', bannedUntil: null, moderatedAt: at },
    )
    await removeAccount(em, ctx, { account: user, correlationId: envelope.correlationId })
  })
}
