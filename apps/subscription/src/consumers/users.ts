import {
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserRegistered,
  UserUnbanned,
} from '@chatty/contracts'

import type { SubscriptionContext } from '../context.js'
import { hideAuthor, restoreAuthor } from '../domain/fan-out.js'
import { recentPostsOf } from '../domain/feed-queries.js'
import { ensureUser, type UserRecord } from '../domain/users.js'

/** Moderation events can arrive out of order; one older than the last applied is ignored. */
function isStale(user: UserRecord, at: Date): boolean {
  return user.moderatedAt != null && user.moderatedAt > at
}

/**
 * Every event may overtake the account's UserRegistered: it then applies to a row without a
 * username (see `ensureUser`), which stays hidden until the registration arrives.
 */
export function registerUserConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(UserRegistered, async (event, { em }) => {
    const registeredAt = new Date(event.registeredAt)
    // A profile update that overtook the registration is newer than the name given at sign-up.
    await em.execute(
      `insert into users (id, username, display_name, profile_at, created_at)
       values (?, ?, ?, ?, ?)
       on conflict (id) do update
         set username = excluded.username,
             created_at = excluded.created_at,
             display_name = case when users.profile_at is null or users.profile_at < excluded.profile_at
                                 then excluded.display_name else users.display_name end,
             profile_at = greatest(users.profile_at, excluded.profile_at)`,
      [event.userId, event.username, event.displayName, registeredAt, registeredAt],
    )
  })

  ctx.messaging.consumer.on(UserProfileUpdated, async (event, { em, envelope }) => {
    const at = new Date(envelope.occurredAt)
    const user = await ensureUser(em, event.userId, at)
    if (user.profileAt != null && user.profileAt > at) return
    await em.execute(
      'update users set display_name = ?, bio = ?, avatar_url = ?, profile_at = ? where id = ?',
      [event.displayName, event.bio, event.avatarUrl, at, event.userId],
    )
    // Cached posts carry the author's name and avatar.
    const posts = await recentPostsOf(em, event.userId, {
      includePrivate: true,
      limit: ctx.config.feed.maxEntries,
    })
    await ctx.feeds.forgetPosts(posts.map((post) => post.id))
  })

  ctx.messaging.consumer.on(UserBanned, async (event, { em }) => {
    const at = new Date(event.bannedAt)
    const user = await ensureUser(em, event.userId, at)
    if (user.status === 'deleted' || isStale(user, at)) return
    const until = event.until ? new Date(event.until) : null
    await em.execute(
      `update users set status = 'banned', banned_until = ?, moderated_at = ? where id = ?`,
      [until, at, user.id],
    )
    // Also when already banned: a ban that ran out shows the posts again (feed rebuilds, new
    // posts). Also when this ban has run out already: admin publishes UserUnbanned when a ban
    // expires, and that puts the posts back.
    await hideAuthor(ctx, em, user.id)
  })

  ctx.messaging.consumer.on(UserUnbanned, async (event, { em }) => {
    const at = new Date(event.unbannedAt)
    const user = await ensureUser(em, event.userId, at)
    // Recorded even when no ban is known yet, so a ban that arrives late and is older stays ignored.
    if (user.status === 'deleted' || isStale(user, at)) return
    await em.execute(
      `update users set status = 'active', banned_until = null, moderated_at = ? where id = ?`,
      [at, user.id],
    )
    if (user.status === 'banned') await restoreAuthor(ctx, em, { ...user, status: 'active' })
  })

  ctx.messaging.consumer.on(UserDeleted, async (event, { em, envelope }) => {
    const at = new Date(envelope.occurredAt)
    const user = await ensureUser(em, event.userId, at)
    if (user.status === 'deleted') return
    await em.execute(
      `update users set status = 'deleted', banned_until = null, moderated_at = ? where id = ?`,
      [at, user.id],
    )
    await hideAuthor(ctx, em, user.id)
    await ctx.feeds.dropFeeds([user.id])
  })
}
