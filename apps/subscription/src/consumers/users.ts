import {
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserRegistered,
  UserUnbanned,
} from '@chatty/contracts'
import type { QueryResult } from '@mikro-orm/core'

import type { SubscriptionContext } from '../context.js'
import { hideAuthor, restoreAuthor } from '../domain/fan-out.js'
import { recentPostsOf } from '../domain/feed-queries.js'
import { lockUser, type UserRecord } from '../domain/users.js'

/** Thrown while an account's UserRegistered has not been applied yet; the retry finds it. */
function notKnownYet(userId: string): Error {
  return new Error(`User ${userId} is not known yet`)
}

/** Moderation events can arrive out of order; one older than the last applied is ignored. */
function isStale(user: UserRecord, at: Date): boolean {
  return user.moderatedAt != null && user.moderatedAt > at
}

export function registerUserConsumers(ctx: SubscriptionContext): void {
  ctx.consumer.on(UserRegistered, async (event, { em }) => {
    await em.execute(
      `insert into users (id, username, display_name, created_at) values (?, ?, ?, ?)
       on conflict (id) do nothing`,
      [event.userId, event.username, event.displayName, new Date(event.registeredAt)],
    )
  })

  ctx.consumer.on(UserProfileUpdated, async (event, { em }) => {
    const updated = await em.execute<QueryResult>(
      'update users set display_name = ?, bio = ?, avatar_url = ? where id = ?',
      [event.displayName, event.bio, event.avatarUrl, event.userId],
      'run',
    )
    if (updated.affectedRows === 0) throw notKnownYet(event.userId)
    // Cached posts carry the author's name and avatar.
    const posts = await recentPostsOf(em, event.userId, {
      includePrivate: true,
      limit: ctx.config.feed.maxEntries,
    })
    await ctx.feeds.forgetPosts(posts.map((post) => post.id))
  })

  ctx.consumer.on(UserBanned, async (event, { em }) => {
    const user = await lockUser(em, event.userId)
    if (!user) throw notKnownYet(event.userId)
    const at = new Date(event.bannedAt)
    if (user.status === 'deleted' || isStale(user, at)) return
    await em.execute(`update users set status = 'banned', moderated_at = ? where id = ?`, [
      at,
      user.id,
    ])
    await hideAuthor(ctx, em, user.id)
  })

  ctx.consumer.on(UserUnbanned, async (event, { em }) => {
    const user = await lockUser(em, event.userId)
    if (!user) throw notKnownYet(event.userId)
    const at = new Date(event.unbannedAt)
    if (user.status !== 'banned' || isStale(user, at)) return
    await em.execute(`update users set status = 'active', moderated_at = ? where id = ?`, [
      at,
      user.id,
    ])
    await restoreAuthor(ctx, em, { ...user, status: 'active' })
  })

  ctx.consumer.on(UserDeleted, async (event, { em }) => {
    const user = await lockUser(em, event.userId)
    if (!user) throw notKnownYet(event.userId)
    if (user.status === 'deleted') return
    await em.execute(`update users set status = 'deleted' where id = ?`, [user.id])
    await hideAuthor(ctx, em, user.id)
    await ctx.feeds.dropFeeds([user.id])
  })
}
