import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * Why posts leave followers' feeds. A hidden author (ban) or a hidden post (made private) may be
 * shown again before the walk is over, and an undone repost may be made again; a deleted post
 * never is. A deleted account's removal also removes every follow of the account, in both
 * directions, as it walks.
 */
export const FEED_REMOVAL_REASONS = [
  'post-deleted',
  'post-hidden',
  'author-hidden',
  'account-deleted',
  'repost-undone',
] as const
export type FeedRemovalReason = (typeof FEED_REMOVAL_REASONS)[number]

export const FEED_REMOVAL_STATES = ['pending', 'done', 'superseded'] as const

/**
 * Posts to take out of the feeds of an author's followers, written in the same transaction as the
 * decision (delete, ban, …) and walked afterwards, a batch of followers per transaction, by the
 * feed-removals job. `afterFollowerId` (and for an account deletion `afterFolloweeId`) is the
 * progress: a crash resumes after it.
 */
export const FeedRemoval = defineEntity({
  name: 'FeedRemoval',
  tableName: 'feed_removals',
  properties: {
    id: p.uuid().primary(),
    authorId: p.uuid(),
    reason: p.enum(FEED_REMOVAL_REASONS),
    /** Feed members: post ids, and for reposts `postId:reposterId` (see `feedMember`). */
    postIds: p.array(),
    state: p.enum(FEED_REMOVAL_STATES).default('pending'),
    /** The last follower (in id order) whose feed is done; null before the first batch. */
    afterFollowerId: p.uuid().nullable(),
    /** An account deletion: the last account (in id order) whose follow by the author is removed. */
    afterFolloweeId: p.uuid().nullable(),
    /** The request that caused the removal, carried by the events the walk sends. */
    correlationId: p.text().nullable(),
    batches: p.integer().default(0),
    createdAt: p.datetime(),
    finishedAt: p.datetime().nullable(),
  },
  indexes: [
    {
      name: 'feed_removals_pending_idx',
      expression:
        'create index "feed_removals_pending_idx" on "feed_removals" ("id") where "state" = \'pending\'',
    },
  ],
})

export type FeedRemovalRow = InferEntity<typeof FeedRemoval>
