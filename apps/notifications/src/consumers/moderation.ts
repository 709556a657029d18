import { UserBanned, UserDeleted, UserUnbanned } from '@chatty/contracts'
import { isBannedAt, isStaleModeration } from '@chatty/domain'

import type { NotificationsContext } from '../context.js'
import { db } from '../db.js'
import { removeNotifications, setActorHidden } from '../domain/notifications.js'
import { ensureUser, type UserRecord } from '../domain/users.js'
import { changesPublishedAfterCommit } from './live.js'

function isStale(user: UserRecord, at: Date): boolean {
  return isStaleModeration({ moderatedAt: user.moderated_at }, at)
}

/**
 * Where bans and deletions reach notifications: a banned actor's notifications are hidden (out of
 * lists and unread counts) until the unban; a deleted account's are gone, those it caused and
 * those it received. Open streams of a banned or deleted user are ended by the revocation marks
 * (see `domain/live-streams.ts`), not here. Events may arrive out of order; an older moderation
 * decision than the last one applied is ignored.
 */
export function registerModerationConsumers(ctx: NotificationsContext): void {
  ctx.messaging.consumer.on(UserBanned, async (event, message) => {
    const { em } = message
    const at = new Date(event.bannedAt)
    const user = await ensureUser(em, event.userId)
    if (user.status === 'deleted' || isStale(user, at)) return
    const until = event.until ? new Date(event.until) : null
    await db(em)
      .updateTable('users')
      .set({ status: 'banned', banned_until: until, moderated_at: at })
      .where('id', '=', user.id)
      .execute()
    // A ban that has run out already hides nothing; its UserUnbanned follows.
    const banned = isBannedAt({ status: 'banned', bannedUntil: until }, ctx.clock())
    if (banned) await setActorHidden(em, changesPublishedAfterCommit(ctx, message), user.id, true)
  })

  ctx.messaging.consumer.on(UserUnbanned, async (event, message) => {
    const { em } = message
    const at = new Date(event.unbannedAt)
    const user = await ensureUser(em, event.userId)
    if (user.status === 'deleted' || isStale(user, at)) return
    await db(em)
      .updateTable('users')
      .set({ status: 'active', banned_until: null, moderated_at: at })
      .where('id', '=', user.id)
      .execute()
    await setActorHidden(em, changesPublishedAfterCommit(ctx, message), user.id, false)
  })

  ctx.messaging.consumer.on(UserDeleted, async (event, message) => {
    const { em, envelope } = message
    const user = await ensureUser(em, event.userId)
    if (user.status === 'deleted') return
    await db(em)
      .updateTable('users')
      .set({ status: 'deleted', banned_until: null, moderated_at: new Date(envelope.occurredAt) })
      .where('id', '=', user.id)
      .execute()
    const changes = changesPublishedAfterCommit(ctx, message)
    await removeNotifications(em, changes, 'actor', user.id)
    await removeNotifications(em, changes, 'recipient', user.id)
    await db(em).deleteFrom('unread_counters').where('user_id', '=', user.id).execute()
    await db(em)
      .deleteFrom('follows')
      .where((eb) => eb.or([eb('follower_id', '=', user.id), eb('followee_id', '=', user.id)]))
      .execute()
  })
}
