import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const NOTIFICATION_TYPES = [
  'follow',
  'like',
  'repost',
  'comment',
  'reply',
  'mention',
  'poll-ended',
] as const
export type NotificationType = (typeof NOTIFICATION_TYPES)[number]

/**
 * One notification per (recipient, type, actor, target): `groupKey` spells the last three, so a
 * repeat of the same action collapses into the row that is there. A withdrawn action (unlike,
 * unfollow, unrepost) keeps its row with `active` false and the time it was withdrawn, so that
 * doing it again brings back the same notification and an event older than the last change is
 * ignored. A notification counts as unread while it is active, its actor is not hidden (banned)
 * and it has not been read.
 */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    id: p.uuid().primary(),
    recipientId: p.uuid(),
    type: p.enum(NOTIFICATION_TYPES),
    /** Null for notifications nobody caused (a poll that ended). */
    actorId: p.uuid().nullable(),
    postId: p.uuid().nullable(),
    commentId: p.uuid().nullable(),
    /** The comment as it read when it was written. */
    commentExcerpt: p.string().length(200).nullable(),
    groupKey: p.string().length(120),
    active: p.boolean(),
    actorHidden: p.boolean().default(false),
    readAt: p.datetime().nullable(),
    /** The time of the event that last activated or withdrew it. */
    changedAt: p.datetime(),
    createdAt: p.datetime(),
  },
  uniques: [{ name: 'notifications_group_unique', properties: ['recipientId', 'groupKey'] }],
  indexes: [
    // The list: a recipient's notifications, newest first, paged by (created_at, id).
    { name: 'notifications_recipient_idx', properties: ['recipientId', 'createdAt', 'id'] },
    { name: 'notifications_actor_idx', properties: ['actorId'] },
    { name: 'notifications_post_idx', properties: ['postId'] },
    { name: 'notifications_comment_idx', properties: ['commentId'] },
  ],
})

export type NotificationRow = InferEntity<typeof Notification>
