import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * The poll of a post, made with it and never changed (see `domain/polls.ts`). Its counts live in
 * the post's counter shards (`post_counters.poll_votes_*`, `poll_voters`). `closedAt` is set by the
 * closing job (`jobs/poll-closing.ts`), which sends PollClosed in the same transaction; reads call
 * a poll closed from `expiresAt` on, whether or not the job has run yet.
 */
export const Poll = defineEntity({
  name: 'Poll',
  tableName: 'polls',
  properties: {
    postId: p.uuid().primary(),
    options: p.array(),
    multiple: p.boolean(),
    expiresAt: p.datetime(),
    closedAt: p.datetime().nullable(),
  },
  indexes: [
    // The polls the closing job still has to close, earliest first.
    {
      name: 'polls_open_expiry_idx',
      properties: ['expiresAt', 'postId'],
      where: 'closed_at is null',
    },
  ],
})

export type PollRow = InferEntity<typeof Poll>
