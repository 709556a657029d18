import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * One account's vote in one poll: the option indexes it chose. One per pair, never changed. Like
 * a like, `counted` says whether the vote is in the poll's counts: not while its account is banned
 * or deleted (see `domain/standing-walk.ts`).
 */
export const PollVote = defineEntity({
  name: 'PollVote',
  tableName: 'poll_votes',
  properties: {
    postId: p.uuid().primary(),
    userId: p.uuid().primary(),
    choices: p.array<number>(Number).columnType('smallint[]'),
    createdAt: p.datetime(),
    counted: p.boolean().default(true),
  },
  indexes: [
    // The votes the standing walk still has to flip.
    { name: 'poll_votes_user_counted_idx', properties: ['userId', 'counted', 'postId'] },
  ],
})

export type PollVoteRow = InferEntity<typeof PollVote>
