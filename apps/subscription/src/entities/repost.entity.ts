import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * The latest repost state seen for a pair (PostReposted / PostUnreposted): `repostedByMe`, and
 * the repost entries of feeds. While `reposted`, `changedAt` is the time of the repost, the time
 * its feed entry carries. An event older than the stored state is ignored.
 */
export const Repost = defineEntity({
  name: 'Repost',
  tableName: 'reposts',
  properties: {
    userId: p.uuid().primary(),
    postId: p.uuid().primary(),
    reposted: p.boolean(),
    changedAt: p.datetime(),
  },
  indexes: [
    // A reposter's recent reposts: backfills, bans, unfollows, rebuilds.
    { name: 'reposts_user_changed_idx', properties: ['userId', 'changedAt'] },
    // The earlier reposts of a post, to show it once per feed.
    { name: 'reposts_post_changed_idx', properties: ['postId', 'changedAt'] },
  ],
})

export type RepostRow = InferEntity<typeof Repost>
