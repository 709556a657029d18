import { Followed, Unfollowed } from '@chatty/contracts'
import {
  type EntityManager,
  type FollowPair,
  lockUntilCommit,
  moveFollowCounts,
  preparedQuery,
} from '@chatty/db'
import { NotFoundError, RuleViolationError } from '@chatty/domain'
import { enqueue } from '@chatty/messaging'
import type { NotNull } from 'kysely'
import { z } from 'zod'

import { db } from '../db.js'
import { SERVICE } from '../service.js'
import {
  findByUsername,
  findVisibleByUsername,
  followCount,
  type FollowCounts,
  isShownUserAt,
  type RegisteredUser,
} from './users.js'

export interface FollowDeps {
  clock: () => Date
}

export interface FollowChange {
  followerId: string
  followeeId: string
  /** The request that caused it, carried by the Followed or Unfollowed event. */
  correlationId: string | null
}

/**
 * Moves the counts as the last statements before the commit: the outbox row is written first,
 * so a counter shard is held for as short a time as the transaction allows.
 */
async function moveFollowCountsLast(em: EntityManager, change: FollowChange, by: 1 | -1) {
  await em.flush()
  await moveFollowCounts(em, change, by)
}

/** The account `followerId` asks to follow as `username`: visible, and not themselves. */
export async function findFollowee(
  em: EntityManager,
  deps: FollowDeps,
  input: { followerId: string; username: string },
): Promise<RegisteredUser> {
  const followee = await findVisibleByUsername(em, input.username, deps.clock())
  if (followee.id === input.followerId) {
    throw new RuleViolationError('cannot-follow-self', 'You cannot follow yourself.')
  }
  return followee
}

/**
 * The follow, and with a new one the follower's row, created without a username when their
 * UserRegistered has not arrived yet (as `insertUnknownUser` does), so posts are pushed to their
 * feed meanwhile: one statement, answering how many follows it inserted.
 */
const insertFollowQuery = preparedQuery(
  (em, values: { followerId: string; followeeId: string; at: Date }) =>
    db(em)
      .with('follow', (qb) =>
        qb
          .insertInto('follows')
          .values({
            follower_id: values.followerId,
            followee_id: values.followeeId,
            created_at: values.at,
          })
          .onConflict((conflict) => conflict.doNothing())
          .returning('follower_id'),
      )
      .with('follower', (qb) =>
        qb
          .insertInto('users')
          .columns(['id', 'created_at'])
          .expression((eb) =>
            eb
              .selectFrom('follow')
              .select([
                'follow.follower_id',
                eb.cast<Date>(eb.val(values.at), 'timestamptz').as('created_at'),
              ]),
          )
          .onConflict((conflict) => conflict.column('id').doNothing())
          .returning('id'),
      )
      .selectFrom('follow')
      .select((eb) => eb.fn.countAll<number>().as('inserted')),
)

/**
 * Records a follow in the caller's transaction: the follow, both counters and the Followed
 * event commit together. Answers whether the follow is new. The feed backfill happens in the
 * Followed consumer.
 */
export async function recordFollow(
  em: EntityManager,
  deps: FollowDeps,
  change: FollowChange,
): Promise<boolean> {
  const at = deps.clock()
  const { followerId, followeeId } = change
  const [counted] = await insertFollowQuery(em, { followerId, followeeId, at })
  if (Number(counted?.inserted ?? 0) === 0) return false
  enqueue(
    em,
    Followed,
    { followerId: change.followerId, followeeId: change.followeeId, at: at.toISOString() },
    { producer: SERVICE.name, correlationId: change.correlationId, occurredAt: at },
  )
  await moveFollowCountsLast(em, change, 1)
  return true
}

/** The account to unfollow as `username`; a banned account can be unfollowed too. */
export async function findUnfollowee(em: EntityManager, username: string): Promise<RegisteredUser> {
  const followee = await findByUsername(em, username)
  if (!followee || followee.status === 'deleted') throw new NotFoundError('No such user.')
  return followee
}

/** Removes a follow (if there is one) with its counters and the Unfollowed event, in one commit. */
export async function recordUnfollow(
  em: EntityManager,
  deps: FollowDeps,
  change: FollowChange,
): Promise<void> {
  await recordUnfollows(em, deps, { pairs: [change], correlationId: change.correlationId })
}

/**
 * Removes follows (those that exist) in the caller's transaction, each as an unfollow: the row,
 * an Unfollowed event and both counters. The rows go in one statement and the events in one
 * flush whatever their number; the counters move per follow, as the last statements before the
 * commit (see `moveFollowCountsLast`). Answers how many follows were removed.
 */
export async function recordUnfollows(
  em: EntityManager,
  deps: FollowDeps,
  input: { pairs: readonly FollowPair[]; correlationId: string | null },
): Promise<number> {
  if (input.pairs.length === 0) return 0
  const at = deps.clock()
  const removed = await db(em)
    .deleteFrom('follows')
    .where((eb) =>
      eb(
        eb.refTuple('follower_id', 'followee_id'),
        'in',
        input.pairs.map((pair) => eb.tuple(pair.followerId, pair.followeeId)),
      ),
    )
    .returning(['follower_id as followerId', 'followee_id as followeeId'])
    .execute()
  for (const pair of removed) {
    enqueue(
      em,
      Unfollowed,
      { followerId: pair.followerId, followeeId: pair.followeeId, at: at.toISOString() },
      { producer: SERVICE.name, correlationId: input.correlationId, occurredAt: at },
    )
  }
  await em.flush()
  for (const pair of removed) await moveFollowCounts(em, pair, -1)
  return removed.length
}

/**
 * Holds one follow's lock until the commit: its Followed and Unfollowed are handled one after the
 * other, so the follower's feed ends as the follow does. Taken before any row lock.
 */
export async function lockFollow(em: EntityManager, pair: FollowPair): Promise<void> {
  await lockUntilCommit(em, `follow:${pair.followerId}:${pair.followeeId}`)
}

const lockFollowUsersQuery = preparedQuery((em, pair: FollowPair) =>
  db(em)
    .selectFrom('users')
    .select('status')
    .where('id', 'in', [pair.followerId, pair.followeeId])
    .orderBy('id')
    // Shared: a deletion marks the row, so it waits for this check and this check for it.
    .forShare(),
)

/**
 * A follow that must not stand because one of its accounts is deleted: the request that made it
 * read the account before the deletion committed, and the deletion's walk may have passed it
 * already. Removed as an unfollow is, with its Unfollowed event and counters; nothing happens
 * when it is gone already. Both users rows are locked first, in id order as every transaction
 * that locks two users does, so a deletion still being committed is waited for.
 */
export async function dropFollowOfDeletedAccount(
  em: EntityManager,
  deps: FollowDeps,
  change: FollowChange,
): Promise<void> {
  const users = await lockFollowUsersQuery(em, change)
  if (users.some((user) => user.status === 'deleted')) await recordUnfollow(em, deps, change)
}

/** Where a followers or following page ended: when the follow was made, and by or of whom. */
export const connectionPositionSchema = z.strictObject({ at: z.iso.datetime(), id: z.uuid() })
export type ConnectionPosition = z.infer<typeof connectionPositionSchema>

export interface ConnectionsQuery {
  username: string
  direction: 'followers' | 'following'
  position: ConnectionPosition | undefined
  /** Rows to read: one more than the page shows tells whether another page follows. */
  rows: number
}

/** A shown account in a followers or following list, with when the follow was made. */
export type Connection = RegisteredUser & { f_created_at: Date }

/**
 * Followers (or followed accounts) of `username` that may be shown, most recent follow first,
 * after `position`.
 */
export async function connectionsOf(
  em: EntityManager,
  deps: FollowDeps,
  query: ConnectionsQuery,
): Promise<Connection[]> {
  const now = deps.clock()
  const user = await findVisibleByUsername(em, query.username, now)
  const [own, other] =
    query.direction === 'followers'
      ? (['f.followee_id', 'f.follower_id'] as const)
      : (['f.follower_id', 'f.followee_id'] as const)
  let select = db(em)
    .selectFrom('follows as f')
    .innerJoin('users as u', (join) =>
      join.onRef('u.id', '=', other).on((eb) => isShownUserAt(eb, 'u', now)),
    )
    .selectAll('u')
    .select((eb) => [
      'f.created_at as f_created_at',
      followCount(em, 'followers', eb.ref('u.id')).as('followers_count'),
      followCount(em, 'following', eb.ref('u.id')).as('following_count'),
    ])
    .where(own, '=', user.id)
  const position = query.position
  if (position) {
    select = select.where((eb) =>
      eb(
        eb.refTuple('f.created_at', other),
        '<',
        eb.tuple(
          eb.cast<Date>(eb.val(new Date(position.at)), 'timestamptz'),
          eb.cast<string>(eb.val(position.id), 'uuid'),
        ),
      ),
    )
  }
  return select
    .orderBy('f.created_at', 'desc')
    .orderBy(other, 'desc')
    .limit(query.rows)
    .$narrowType<{ username: NotNull } & FollowCounts>()
    .execute()
}
