import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * One shard of a post's likes, comments, reposts and poll votes (see `domain/post-counters.ts`): the reactions
 * to one post add to shards no other transaction holds, so a like storm does not queue on one row.
 * `pending` marks a shard changed since posts last published the post's totals.
 */
export const PostCounter = defineEntity({
  name: 'PostCounter',
  tableName: 'post_counters',
  properties: {
    postId: p.uuid().primary(),
    shard: p.smallint().primary(),
    likes: p.integer().default(0),
    comments: p.integer().default(0),
    reposts: p.integer().default(0),
    /** The votes of each option of the post's poll (at most four), and how many voted. */
    pollVotes0: p.integer().default(0),
    pollVotes1: p.integer().default(0),
    pollVotes2: p.integer().default(0),
    pollVotes3: p.integer().default(0),
    pollVoters: p.integer().default(0),
    pending: p.boolean().default(true),
  },
  indexes: [
    {
      name: 'post_counters_pending_idx',
      properties: ['postId'],
      where: 'pending',
    },
  ],
})

export type PostCounterRow = InferEntity<typeof PostCounter>
