import { UserProfileUpdated, UserRegistered } from '@chatty/contracts'
import { recordRegistration } from '@chatty/db'

import type { SubscriptionContext } from '../context.js'
import { recentPostsOf } from '../domain/feed-queries.js'
import { ensureUser } from '../domain/users.js'
import { User } from '../entities/user.entity.js'

/**
 * Registration and profile changes. Every event may overtake the account's UserRegistered: it
 * then applies to a row without a username (see `ensureUser`), which stays hidden until the
 * registration arrives. Bans and deletions are in `moderation.ts`.
 */
export function registerUserConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(UserRegistered, async (event, { em }) => {
    const registeredAt = new Date(event.registeredAt)
    await recordRegistration(
      em,
      'users',
      { ...event, registeredAt },
      { always: { created_at: registeredAt } },
    )
  })

  ctx.messaging.consumer.on(UserProfileUpdated, async (event, { em, envelope, afterCommit }) => {
    const at = new Date(envelope.occurredAt)
    const user = await ensureUser(em, event.userId, at)
    if (user.profile_at != null && user.profile_at > at) return
    await em.nativeUpdate(
      User,
      { id: event.userId },
      { displayName: event.displayName, bio: event.bio, avatarUrl: event.avatarUrl, profileAt: at },
    )
    // Cached posts carry the author's name and avatar. Forgotten now and again after the commit,
    // so a feed read in between cannot keep the old name cached.
    const posts = await recentPostsOf(em, event.userId, {
      includePrivate: true,
      limit: ctx.config.feed.maxEntries,
    })
    const forget = () => ctx.feeds.forgetPosts(posts.map((post) => post.id))
    await forget()
    afterCommit(forget)
  })
}
