import { Followed, type PublicUser, Unfollowed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import { NotFoundError, RuleViolationError } from '@chatty/domain'
import { type RateLimit } from '@chatty/http'
import { enqueue } from '@chatty/messaging'
import type { QueryResult } from '@mikro-orm/core'
import { z } from 'zod'

import type { SubscriptionContext } from '../context.js'
import { SERVICE } from '../service.js'
import { toDate } from './sql.js'
import {
  findByUsername,
  findVisibleByUsername,
  isRegistered,
  shownUserSql,
  toPublicUser,
  toUserRecord,
  USER_COLUMNS,
  type UserDbRow,
} from './users.js'

type FollowContext = Pick<SubscriptionContext, 'orm' | 'clock' | 'rateLimiter' | 'config'>

export function followLimit(ctx: FollowContext): RateLimit {
  return {
    name: 'follow:user',
    scope: 'user',
    limit: ctx.config.followsPerHour,
    windowSeconds: 3600,
  }
}

/**
 * Moves both counters of a follow. Rows are updated in id order so two people following each
 * other at the same moment cannot deadlock.
 */
async function moveCounters(
  em: EntityManager,
  followerId: string,
  followeeId: string,
  by: 1 | -1,
): Promise<void> {
  const updates: [string, 'followers_count' | 'following_count'][] = [
    [followerId, 'following_count'],
    [followeeId, 'followers_count'],
  ]
  updates.sort(([a], [b]) => (a < b ? -1 : 1))
  for (const [id, column] of updates) {
    await em.execute(`update users set ${column} = greatest(${column} + ?, 0) where id = ?`, [
      by,
      id,
    ])
  }
}

/**
 * Follows `username`: the follow, both counters and the Followed event commit together. Answers
 * whether the follow is new. The feed backfill happens in the Followed consumer.
 */
export async function follow(
  ctx: FollowContext,
  followerId: string,
  username: string,
  correlationId: string | null,
): Promise<boolean> {
  const followee = await findVisibleByUsername(ctx.orm.em.fork(), username, ctx.clock())
  if (followee.id === followerId) {
    throw new RuleViolationError('cannot-follow-self', 'You cannot follow yourself.')
  }
  await ctx.rateLimiter.hit(followLimit(ctx), followerId)
  return ctx.orm.em.fork().transactional(async (em) => {
    const at = ctx.clock()
    const inserted = await em.execute<QueryResult>(
      `insert into follows (follower_id, followee_id, created_at) values (?, ?, ?)
       on conflict do nothing`,
      [followerId, followee.id, at],
      'run',
    )
    if (inserted.affectedRows === 0) return false
    // The follower's UserRegistered may not have arrived yet: their row is created without a
    // username, so their following count is right once it does.
    await em.execute(
      'insert into users (id, created_at) values (?, ?) on conflict (id) do nothing',
      [followerId, at],
    )
    await moveCounters(em, followerId, followee.id, 1)
    enqueue(
      em,
      Followed,
      { followerId, followeeId: followee.id, at: at.toISOString() },
      { producer: SERVICE.name, correlationId, occurredAt: at },
    )
    return true
  })
}

/** Unfollows `username` (also when not following); a banned account can be unfollowed too. */
export async function unfollow(
  ctx: FollowContext,
  followerId: string,
  username: string,
  correlationId: string | null,
): Promise<void> {
  const followee = await findByUsername(ctx.orm.em.fork(), username)
  if (!followee || followee.status === 'deleted') throw new NotFoundError('No such user.')
  await ctx.orm.em.fork().transactional(async (em) => {
    const at = ctx.clock()
    const deleted = await em.execute<QueryResult>(
      'delete from follows where follower_id = ? and followee_id = ?',
      [followerId, followee.id],
      'run',
    )
    if (deleted.affectedRows === 0) return
    await moveCounters(em, followerId, followee.id, -1)
    enqueue(
      em,
      Unfollowed,
      { followerId, followeeId: followee.id, at: at.toISOString() },
      { producer: SERVICE.name, correlationId, occurredAt: at },
    )
  })
}

/** Where a followers or following page ended: when the follow was made, and by or of whom. */
export const connectionPositionSchema = z.strictObject({ at: z.iso.datetime(), id: z.uuid() })
export type ConnectionPosition = z.infer<typeof connectionPositionSchema>

export interface ConnectionsPage {
  users: PublicUser[]
  next: ConnectionPosition | null
}

/** Followers (or followed accounts) of `username`, most recent follow first. */
export async function listConnections(
  ctx: FollowContext,
  username: string,
  direction: 'followers' | 'following',
  position: ConnectionPosition | undefined,
  limit: number,
): Promise<ConnectionsPage> {
  const em = ctx.orm.em.fork()
  const now = ctx.clock()
  const user = await findVisibleByUsername(em, username, now)
  const [own, other] =
    direction === 'followers' ? ['followee_id', 'follower_id'] : ['follower_id', 'followee_id']
  const params: unknown[] = [now, user.id]
  if (position) params.push(new Date(position.at), position.id)
  params.push(limit + 1)
  const rows = await em.execute<(UserDbRow & { followed_at: string })[]>(
    `select ${USER_COLUMNS}, f.created_at as followed_at
       from follows f
       join users u on u.id = f.${other} and ${shownUserSql('u')}
      where f.${own} = ?
        ${position ? `and (f.created_at, f.${other}) < (?::timestamptz, ?::uuid)` : ''}
      order by f.created_at desc, f.${other} desc
      limit ?`,
    params,
  )
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    users: page.map(toUserRecord).filter(isRegistered).map(toPublicUser),
    next:
      rows.length > limit && last
        ? { at: toDate(last.followed_at).toISOString(), id: last.id }
        : null,
  }
}
