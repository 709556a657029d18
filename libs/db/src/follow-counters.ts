import { defineEntity, type InferEntity, p } from '@mikro-orm/core'
import type { EntityManager } from '@mikro-orm/postgresql'

import { addToCounterShard, addToCounterShards, type ShardedCounter } from './counter-shards.js'
import { kyselyOf } from './kysely.js'
import { preparedQuery } from './prepared.js'

/** Rows a user's counts are spread over; a count is the sum of at most this many. */
export const USER_COUNTER_SHARDS = 16

/**
 * One shard of a user's followers, following and posts counts, in every service that shows them.
 * A follow or a post adds to a shard no other transaction holds, so the follows of one popular
 * account (or the posts of a busy one) do not queue on one row lock; a shard may go below zero
 * (the follow counted on one, the unfollow on another), the sum never does.
 */
export const UserCounter = defineEntity({
  name: 'UserCounter',
  tableName: 'user_counters',
  properties: {
    userId: p.uuid().primary(),
    shard: p.smallint().primary(),
    followers: p.integer().default(0),
    following: p.integer().default(0),
    posts: p.integer().default(0),
  },
})

export type UserCounterRow = InferEntity<typeof UserCounter>

export interface FollowPair {
  followerId: string
  followeeId: string
}

type CounterMove = {
  followers: number
  following: number
  posts: number
}

const USER_COUNTERS: ShardedCounter = {
  table: 'user_counters',
  key: 'user_id',
  shards: USER_COUNTER_SHARDS,
}

function addToFreeShard(em: EntityManager, userId: string, move: CounterMove): Promise<void> {
  return addToCounterShard(em, USER_COUNTERS, userId, { ...move })
}

/**
 * Moves the follower's following count and the followee's followers count by `by`, in the
 * caller's transaction and one statement. It waits for at most one shard per account and takes
 * the two accounts in id order, so two follows (A→B while B→A) cannot deadlock on them, and no
 * users row is touched.
 */
export async function moveFollowCounts(
  em: EntityManager,
  pair: FollowPair,
  by: 1 | -1,
): Promise<void> {
  const moves: { key: string; moves: CounterMove }[] = [
    { key: pair.followerId, moves: { followers: 0, following: by, posts: 0 } },
    { key: pair.followeeId, moves: { followers: by, following: 0, posts: 0 } },
  ]
  moves.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  await addToCounterShards(em, USER_COUNTERS, moves)
}

/**
 * Moves the count of live posts of `authorId` by `by`, in the caller's transaction, on one shard
 * no other transaction holds: the posts of one author do not wait for each other's commit.
 */
export async function movePostCount(
  em: EntityManager,
  authorId: string,
  by: 1 | -1,
): Promise<void> {
  await addToFreeShard(em, authorId, { followers: 0, following: 0, posts: by })
}

/**
 * A service's record of each follow pair's latest change, as Followed and Unfollowed told it:
 * `(follower_id, followee_id)` is its primary key.
 */
type FollowStateTables = Record<
  string,
  { follower_id: string; followee_id: string; following: boolean; changed_at: Date }
>

/** A follow (`following`) or an unfollow of a pair, and when it happened. */
interface FollowStateChange extends FollowPair {
  following: boolean
  at: Date
}

const insertFollowStateQuery = preparedQuery(
  (em, values: FollowStateChange, shape: { table: string }) =>
    kyselyOf<FollowStateTables>(em)
      .insertInto(shape.table)
      .values({
        follower_id: values.followerId,
        followee_id: values.followeeId,
        following: values.following,
        changed_at: values.at,
      })
      .onConflict((conflict) => conflict.columns(['follower_id', 'followee_id']).doNothing())
      .returning('following'),
)

const lockedFollowStateQuery = preparedQuery((em, pair: FollowPair, shape: { table: string }) =>
  kyselyOf<FollowStateTables>(em)
    .selectFrom(shape.table)
    .select(['following', 'changed_at'])
    .where('follower_id', '=', pair.followerId)
    .where('followee_id', '=', pair.followeeId)
    .forUpdate(),
)

const setFollowStateQuery = preparedQuery(
  (em, values: FollowStateChange, shape: { table: string }) =>
    kyselyOf<FollowStateTables>(em)
      .updateTable(shape.table)
      .set({ following: values.following, changed_at: values.at })
      .where('follower_id', '=', values.followerId)
      .where('followee_id', '=', values.followeeId),
)

/**
 * Records `change` in `table` (see `FollowStateTables`), unless a later change of the pair is
 * recorded already, and moves both accounts' follow counts when the pair's state flips: reordered
 * or repeated events cannot skew them. A pair's first event is one statement; a concurrent one
 * waits for that row and then compares with it.
 */
export async function applyFollowChange(
  em: EntityManager,
  table: string,
  change: FollowStateChange,
): Promise<void> {
  const shape = { table }
  const [inserted] = await insertFollowStateQuery(em, change, shape)
  let wasFollowing = false
  if (!inserted) {
    // The insert found the pair's row, and rows of pairs are never deleted.
    const [state] = await lockedFollowStateQuery(em, change, shape)
    if (!state) throw new Error(`${table} lost the row of a pair it had`)
    if (state.changed_at >= change.at) return
    wasFollowing = state.following
    await setFollowStateQuery(em, change, shape)
  }
  if (wasFollowing !== change.following)
    await moveFollowCounts(em, change, change.following ? 1 : -1)
}
