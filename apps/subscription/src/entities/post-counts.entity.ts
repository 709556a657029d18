import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * A post's like, comment and repost counts as posts last totalled them (PostCountsChanged), kept
 * beside the post projection rather than on it: the counts may arrive before the post (the event
 * carries no author to create a post row with), and a like storm rewrites this narrow row, not
 * the post's. Only a higher `version` than the stored one is applied.
 */
export const PostCounts = defineEntity({
  name: 'PostCounts',
  tableName: 'post_counts',
  properties: {
    postId: p.uuid().primary(),
    likeCount: p.integer(),
    commentCount: p.integer(),
    repostCount: p.integer(),
    /** The votes of each option of the post's poll, and its voters; null for a post without one. */
    pollVotes: p.array<number>(Number).columnType('int[]').nullable(),
    pollVotersCount: p.integer().nullable(),
    version: p.integer(),
  },
})

export type PostCountsRow = InferEntity<typeof PostCounts>
