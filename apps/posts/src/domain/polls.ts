import { type Poll as PollShape, PollClosed, PollVoted } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { ConflictError, NotFoundError, RuleViolationError } from '@chatty/domain'
import type { AuthUser } from '@chatty/http'
import { enqueue } from '@chatty/messaging'

import type { PostsContext } from '../context.js'
import { db } from '../db.js'
import { SERVICE } from '../service.js'
import type { PollDefinition } from './poll-definition.js'
import { movePostCounts, voteMove } from './post-counters.js'
import { findVisiblePost } from './posts.js'
import { reactingAccount } from './reactions.js'

type Deps = Pick<PostsContext, 'clock'>

/** Polls the closing job closes per transaction at most. */
export const POLL_CLOSING_BATCH = 500

/** Exactly one option unless the poll allows several; distinct indexes of existing options. */
function assertValidChoices(choices: readonly number[], poll: PollDefinition): void {
  const problem =
    choices.length === 0
      ? 'Choose at least one option.'
      : !poll.multiple && choices.length > 1
        ? 'This poll allows one choice only.'
        : new Set(choices).size !== choices.length
          ? 'Each option can be chosen once.'
          : choices.some((choice) => choice < 0 || choice >= poll.options.length)
            ? `Options are numbered 0 to ${poll.options.length - 1}.`
            : null
  if (problem) {
    throw new RuleViolationError('invalid-choice', problem, [{ path: 'choices', message: problem }])
  }
}

/**
 * Casts `user`'s vote in the poll of a post they may see, in the caller's transaction, and answers
 * the poll as they now see it. One vote per person: the row's primary key decides, so of identical
 * votes racing each other exactly one inserts (and moves the counts, on a counter shard, and
 * announces PollVoted) and the others are 409 `already-voted`. The poll's row is held FOR SHARE,
 * so the closing job waits for votes in flight and PollClosed names every voter; a vote after it
 * closed is 422 `poll-closed`.
 */
export async function castVote(
  em: EntityManager,
  { clock }: Deps,
  input: { user: AuthUser; postId: string; choices: number[]; correlationId: string | null },
): Promise<PollShape> {
  const { user, postId, correlationId } = input
  const now = clock()
  const asOfNow = { clock: () => now }
  const post = await findVisiblePost(em, asOfNow, { viewer: user, id: postId })
  if (!post?.poll) throw new NotFoundError(post ? 'This post has no poll.' : 'No such post.')
  if (post.authorId === user.id) {
    throw new RuleViolationError('own-poll', 'You cannot vote in your own poll.')
  }
  // Checked before taking the lock too, so late votes never keep the closing job waiting.
  const closed = () => new RuleViolationError('poll-closed', 'This poll is closed.')
  if (post.poll.closed) throw closed()
  const poll = await db(em)
    .selectFrom('polls')
    .select(['options', 'multiple', 'expires_at', 'closed_at'])
    .where('post_id', '=', post.id)
    .forShare()
    .executeTakeFirstOrThrow()
  if (poll.closed_at !== null || now >= poll.expires_at) throw closed()
  assertValidChoices(input.choices, { ...poll, expiresAt: poll.expires_at })
  const choices = [...input.choices].sort((a, b) => a - b)
  const counted = await reactingAccount(em, now, user)
  const inserted = await db(em)
    .insertInto('poll_votes')
    .values({ post_id: post.id, user_id: user.id, choices, created_at: now, counted })
    .onConflict((conflict) => conflict.columns(['post_id', 'user_id']).doNothing())
    .executeTakeFirstOrThrow()
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) {
    throw new ConflictError('already-voted', 'You have voted in this poll already.')
  }
  enqueue(
    em,
    PollVoted,
    {
      postId: post.id,
      postAuthorId: post.authorId,
      userId: user.id,
      choices,
      at: now.toISOString(),
    },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
  // The outbox row first, so the counter shard is held for as short a time as possible.
  await em.flush()
  if (counted) await movePostCounts(em, post.id, voteMove(choices, 1))
  const voted = await findVisiblePost(em, asOfNow, { viewer: user, id: post.id })
  if (!voted?.poll) throw new NotFoundError('No such post.')
  return voted.poll
}

/**
 * One pass of the closing job, in the caller's transaction: closes up to POLL_CLOSING_BATCH polls
 * whose `expiresAt` has come and queues one PollClosed each (author and every voter) in the same
 * transaction. Rows are claimed `FOR UPDATE SKIP LOCKED` and closed only while still open, so two
 * replicas never close one poll twice, and a pass that crashed closed nothing. A poll of a deleted
 * post is closed without an event: nobody is to hear about it. Answers how many it closed.
 */
export async function closeDuePolls(em: EntityManager, { clock }: Deps): Promise<number> {
  const now = clock()
  const kysely = db(em)
  const closed = await kysely
    .updateTable('polls')
    .set((eb) => ({ closed_at: eb.ref('expires_at') }))
    .where('post_id', 'in', (eb) =>
      eb
        .selectFrom('polls')
        .select('post_id')
        .where('closed_at', 'is', null)
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(POLL_CLOSING_BATCH)
        .forUpdate()
        .skipLocked(),
    )
    .where('closed_at', 'is', null)
    .returning(['post_id', 'closed_at'])
    .execute()
  if (closed.length === 0) return 0
  const postIds = closed.map((poll) => poll.post_id)
  // Held FOR SHARE: a delete racing this pass either waits (and the event goes out before it) or
  // is seen (and no event goes out).
  const posts = await kysely
    .selectFrom('posts')
    .select(['id', 'author_id', 'deleted_at'])
    .where('id', 'in', postIds)
    .orderBy('id')
    .forShare()
    .execute()
  const votes = await kysely
    .selectFrom('poll_votes')
    .select(['post_id', 'user_id'])
    .where('post_id', 'in', postIds)
    .orderBy('post_id')
    .orderBy('created_at')
    .execute()
  const closedAt = new Map(closed.map((poll) => [poll.post_id, poll.closed_at ?? now]))
  for (const post of posts) {
    if (post.deleted_at !== null) continue
    const at = closedAt.get(post.id) ?? now
    enqueue(
      em,
      PollClosed,
      {
        postId: post.id,
        authorId: post.author_id,
        voterIds: votes.filter((vote) => vote.post_id === post.id).map((vote) => vote.user_id),
        closedAt: at.toISOString(),
      },
      { producer: SERVICE.name, correlationId: null, occurredAt: now },
    )
  }
  return closed.length
}
