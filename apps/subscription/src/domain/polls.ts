import type { MessageData, Poll, PollVoted, PostCreated } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'

import { db } from '../db.js'

/** A poll as feeds cache it with its post: everything but what depends on the reader or the clock. */
export type CachedPoll = Omit<Poll, 'closed' | 'myChoices'>

/** Records the poll a post was created with; it never changes, so a repeat changes nothing. */
export async function recordPoll(
  em: EntityManager,
  postId: string,
  poll: NonNullable<MessageData<typeof PostCreated>['poll']>,
): Promise<boolean> {
  const inserted = await db(em)
    .insertInto('polls')
    .values({
      post_id: postId,
      options: poll.options,
      multiple: poll.multiple,
      expires_at: new Date(poll.expiresAt),
    })
    .onConflict((conflict) => conflict.column('post_id').doNothing())
    .executeTakeFirstOrThrow()
  return inserted.numInsertedOrUpdatedRows === 1n
}

/** Records a reader's vote; there is one per pair and it never changes, so a repeat is ignored. */
export async function recordVote(
  em: EntityManager,
  vote: MessageData<typeof PollVoted>,
): Promise<void> {
  await db(em)
    .insertInto('poll_votes')
    .values({
      user_id: vote.userId,
      post_id: vote.postId,
      choices: vote.choices,
      voted_at: new Date(vote.at),
    })
    .onConflict((conflict) => conflict.columns(['user_id', 'post_id']).doNothing())
    .execute()
}

/** The cached part of a poll from its definition and posts' latest counts (none yet: zeros). */
export function cachedPollOf(poll: {
  options: string[]
  multiple: boolean
  expiresAt: Date
  votes: readonly number[] | null
  votersCount: number | null
}): CachedPoll {
  const options = poll.options.map((text, option) => ({ text, votes: poll.votes?.[option] ?? 0 }))
  return {
    options,
    totalVotes: options.reduce((sum, option) => sum + option.votes, 0),
    votersCount: poll.votersCount ?? 0,
    multiple: poll.multiple,
    expiresAt: poll.expiresAt.toISOString(),
  }
}

/** The poll as one reader sees it at `now`: closed from `expiresAt` on, with their choices. */
export function pollAsSeen(poll: CachedPoll, now: Date, myChoices: number[] | null): Poll {
  return { ...poll, closed: now.getTime() >= Date.parse(poll.expiresAt), myChoices }
}
