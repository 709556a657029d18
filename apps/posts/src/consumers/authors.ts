import {
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserRegistered,
  UserUnbanned,
} from '@chatty/contracts'
import type { Consumer } from '@chatty/messaging'

import type { PostsContext } from '../context.js'
import { ensureAuthor } from '../domain/authors.js'
import type { AuthorRow } from '../entities/author.entity.js'

/** Events can arrive out of order; one older than the last applied moderation is ignored. */
function isStaleModeration(author: AuthorRow, at: Date): boolean {
  return author.moderatedAt != null && author.moderatedAt > at
}

/** Keeps posts' projection of authors: names for rendering, and standing for hiding posts. */
export function registerAuthorConsumers(ctx: PostsContext, consumer: Consumer): void {
  consumer.on(UserRegistered, async (event, { em }) => {
    const author = await ensureAuthor(em, event.userId, ctx.clock(), { lock: true })
    const registeredAt = new Date(event.registeredAt)
    author.username = event.username
    // A profile update that overtook the registration is newer than the name given at sign-up.
    if (author.profileAt == null || author.profileAt < registeredAt) {
      author.displayName = event.displayName
      author.profileAt = registeredAt
    }
    author.updatedAt = ctx.clock()
  })

  consumer.on(UserProfileUpdated, async (event, { em, envelope }) => {
    const author = await ensureAuthor(em, event.userId, ctx.clock(), { lock: true })
    const at = new Date(envelope.occurredAt)
    if (author.profileAt != null && author.profileAt > at) return
    author.displayName = event.displayName
    author.avatarUrl = event.avatarUrl
    author.profileAt = at
    author.updatedAt = ctx.clock()
  })

  consumer.on(UserBanned, async (event, { em }) => {
    const author = await ensureAuthor(em, event.userId, ctx.clock(), { lock: true })
    const at = new Date(event.bannedAt)
    if (author.status === 'deleted' || isStaleModeration(author, at)) return
    author.status = 'banned'
    author.bannedUntil = event.until ? new Date(event.until) : null
    author.moderatedAt = at
    author.updatedAt = ctx.clock()
  })

  consumer.on(UserUnbanned, async (event, { em }) => {
    const author = await ensureAuthor(em, event.userId, ctx.clock(), { lock: true })
    const at = new Date(event.unbannedAt)
    // Recorded even when no ban is known yet, so a ban that arrives late and is older stays ignored.
    if (author.status === 'deleted' || isStaleModeration(author, at)) return
    author.status = 'active'
    author.bannedUntil = null
    author.moderatedAt = at
    author.updatedAt = ctx.clock()
  })

  consumer.on(UserDeleted, async (event, { em, envelope }) => {
    const author = await ensureAuthor(em, event.userId, ctx.clock(), { lock: true })
    if (author.status === 'deleted') return
    author.status = 'deleted'
    author.bannedUntil = null
    author.moderatedAt = new Date(envelope.occurredAt)
    author.updatedAt = ctx.clock()
  })
}
