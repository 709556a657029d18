import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** A reader's choices in a poll (PollVoted), for `myChoices` in feeds; one vote per pair, final. */
export const PollVote = defineEntity({
  name: 'PollVote',
  tableName: 'poll_votes',
  properties: {
    userId: p.uuid().primary(),
    postId: p.uuid().primary(),
    choices: p.array<number>(Number).columnType('smallint[]'),
    votedAt: p.datetime(),
  },
})

export type PollVoteRow = InferEntity<typeof PollVote>
