import { randomInt } from 'node:crypto'

import { Followed, Unfollowed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import { db } from '../db.js'
import { FollowState } from '../entities/follow-state.entity.js'
import { USER_COUNTER_SHARDS } from '../entities/user-counter.entity.js'

interface FollowEvent {
  followerId: string
  followeeId: string
  at: string
}

interface CounterMove {
  followers: number
  following: number
}

/**
 * Adds to one counter shard of `userId`: the first one no other transaction holds, or when
 * every one is held, one picked at random (a new one while there are fewer than
 * USER_COUNTER_SHARDS). Up to that many events about one account are thus applied side by side
 * without waiting for each other's commit.
 */
async function addToFreeShard(em: EntityManager, userId: string, move: CounterMove) {
  await db(em)
    .with('free', (qb) =>
      qb
        .selectFrom('user_counters')
        .select('shard')
        .where('user_id', '=', userId)
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .insertInto('user_counters')
    .values((eb) => ({
      user_id: userId,
      shard: eb.fn.coalesce(
        eb.selectFrom('free').select('shard'),
        eb.val(randomInt(USER_COUNTER_SHARDS)),
      ),
      followers: move.followers,
      following: move.following,
    }))
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'shard']).doUpdateSet((eb) => ({
        followers: eb('user_counters.followers', '+', eb.ref('excluded.followers')),
        following: eb('user_counters.following', '+', eb.ref('excluded.following')),
      })),
    )
    .execute()
}

/**
 * Moves the follower's following count and the followee's followers count. A transaction waits
 * for at most one shard per account and takes the two accounts in id order, so A following B
 * while B follows A cannot deadlock; the users rows are not touched, so a login never waits
 * for a follow.
 */
async function moveFollowCounters(em: EntityManager, event: FollowEvent, by: 1 | -1) {
  const moves = new Map<string, CounterMove>([[event.followerId, { followers: 0, following: by }]])
  const followee = moves.get(event.followeeId) ?? { followers: 0, following: 0 }
  moves.set(event.followeeId, { ...followee, followers: by })
  const ordered = [...moves].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [userId, move] of ordered) await addToFreeShard(em, userId, move)
}

/**
 * Applies a follow or unfollow if it is newer than the state already seen for the pair, and
 * moves the counters only when the state flips: reordered or repeated events cannot skew them.
 */
async function applyFollow(em: EntityManager, event: FollowEvent, following: boolean) {
  const at = new Date(event.at)
  const pair = { followerId: event.followerId, followeeId: event.followeeId }
  // The first event of a pair records it; a concurrent one waits for that row instead of failing.
  const recorded = await db(em)
    .insertInto('follow_states')
    .values({
      follower_id: pair.followerId,
      followee_id: pair.followeeId,
      following,
      changed_at: at,
    })
    .onConflict((conflict) => conflict.doNothing())
    .executeTakeFirstOrThrow()
  let wasFollowing = false
  if (recorded.numInsertedOrUpdatedRows === 0n) {
    const state = await em.findOneOrFail(FollowState, pair, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
    })
    if (state.changedAt >= at) return
    wasFollowing = state.following
    Object.assign(state, { following, changedAt: at })
  }
  if (wasFollowing === following) return
  await moveFollowCounters(em, event, following ? 1 : -1)
}

export function registerFollowConsumers(consumer: Consumer): void {
  consumer.on(Followed, (event, { em }) => applyFollow(em, event, true))
  consumer.on(Unfollowed, (event, { em }) => applyFollow(em, event, false))
}
