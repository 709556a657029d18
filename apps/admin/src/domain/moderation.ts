import {
  CommentTakedownRequested,
  PostTakedownRequested,
  UserBanned,
  UserUnbanned,
} from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import {
  ForbiddenError,
  NotFoundError,
  type RevocationMarks,
  RuleViolationError,
} from '@chatty/domain'
import { enqueue } from '@chatty/messaging'
import { LockMode } from '@mikro-orm/core'

import { Comment } from '../entities/comment.entity.js'
import { Post } from '../entities/post.entity.js'
import { type RegisteredUserRow, type Role, User, type UserRow } from '../entities/user.entity.js'
import { SERVICE } from '../service.js'
import { recordAudit } from './audit.js'
import { type Actor, moderationRefusal } from './authority.js'
import { isRegistered } from './users.js'

export interface ModerationDeps {
  clock: () => Date
}

/** A ban also refuses the user's live access tokens at once (DESIGN §7). */
export interface BanDeps extends ModerationDeps {
  revocationMarks: RevocationMarks
}

export interface BanInput {
  actor: Actor
  userId: string
  reason: string
  /** Unset: until an unban. */
  durationHours?: number | undefined
  correlationId: string | null
}

export interface UnbanInput {
  actor: Actor
  userId: string
  correlationId: string | null
}

export interface TakedownInput {
  actor: Actor
  postId: string
  reason: string | undefined
  correlationId: string | null
}

const HOUR_MS = 3_600_000

/** Throws the ban route's refusal unless `actor` may ban or unban `target` (`moderationRefusal`). */
export function assertMayModerate(
  actor: Actor,
  target: { id: string; role: Role },
  verb: 'ban' | 'unban',
): void {
  if (actor.id === target.id) {
    throw new RuleViolationError(`cannot-${verb}-self`, `You cannot ${verb} yourself.`)
  }
  if (moderationRefusal(actor, target)) {
    throw new ForbiddenError(
      actor.role === 'admin'
        ? `Admins cannot be ${verb}ned.`
        : `Moderators can only ${verb} plain users.`,
    )
  }
}

/**
 * The target, locked for the rest of the transaction, once the actor may act on it. A placeholder
 * (an account whose UserRegistered has not arrived) is not found: admin cannot judge it yet.
 */
async function lockTarget(
  em: EntityManager,
  actor: Actor,
  userId: string,
  verb: 'ban' | 'unban',
): Promise<RegisteredUserRow> {
  // Oneself is refused before the lookup, whether the projection knows the actor or not.
  if (actor.id === userId) assertMayModerate(actor, { id: userId, role: actor.role }, verb)
  const user = await em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
  if (!user || !isRegistered(user)) throw new NotFoundError('No such user.')
  assertMayModerate(actor, user, verb)
  return user
}

/**
 * Bans a user: the projection, the audit row and UserBanned commit together; auth then refuses
 * logins and revokes tokens, the other services hide the user's content.
 */
export async function banUser(
  em: EntityManager,
  deps: BanDeps,
  input: BanInput,
): Promise<RegisteredUserRow> {
  const { actor, correlationId } = input
  const user = await lockTarget(em, actor, input.userId, 'ban')
  if (user.status === 'deleted') {
    throw new RuleViolationError('user-deleted', 'This account is deleted.')
  }
  const now = deps.clock()
  const until = input.durationHours ? new Date(now.getTime() + input.durationHours * HOUR_MS) : null
  const previousStatus = user.status
  Object.assign(user, {
    status: 'banned',
    bannedAt: now,
    banReason: input.reason,
    bannedUntil: until,
    updatedAt: now,
  })
  // Written before the ban commits, and not left to auth's consumer: a broker outage must not
  // delay it. If Redis cannot take it, the ban fails whole (503).
  await deps.revocationMarks.write({ users: [{ id: user.id, since: now }] })
  recordAudit(em, {
    actorId: actor.id,
    action: 'user.ban',
    targetType: 'user',
    targetId: user.id,
    detail: {
      reason: input.reason,
      durationHours: input.durationHours ?? null,
      until: until?.toISOString() ?? null,
      previousStatus,
    },
    at: now,
  })
  enqueue(
    em,
    UserBanned,
    {
      userId: user.id,
      reason: input.reason,
      bannedBy: actor.id,
      bannedAt: now.toISOString(),
      until: until?.toISOString() ?? null,
    },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
  return user
}

/** Lifts a ban; a user who is not banned is answered as is, with no event and no audit row. */
export async function unbanUser(
  em: EntityManager,
  deps: ModerationDeps,
  input: UnbanInput,
): Promise<RegisteredUserRow> {
  const user = await lockTarget(em, input.actor, input.userId, 'unban')
  if (user.status !== 'banned') return user
  liftBan(em, user, {
    actorId: input.actor.id,
    at: deps.clock(),
    correlationId: input.correlationId,
  })
  return user
}

export interface BanLift {
  /** null: the system, because a temporary ban ended. */
  actorId: string | null
  at: Date
  correlationId: string | null
}

/**
 * Makes a banned user (locked by the caller) active again, with its audit row and UserUnbanned
 * in the caller's transaction.
 */
export function liftBan(em: EntityManager, user: UserRow, lift: BanLift): void {
  const lifted = {
    reason: user.banReason,
    bannedAt: user.bannedAt?.toISOString() ?? null,
    until: user.bannedUntil?.toISOString() ?? null,
  }
  Object.assign(user, {
    status: 'active',
    bannedAt: null,
    banReason: null,
    bannedUntil: null,
    updatedAt: lift.at,
  })
  recordAudit(em, {
    actorId: lift.actorId,
    action: 'user.unban',
    targetType: 'user',
    targetId: user.id,
    detail: lift.actorId === null ? { lifted, expired: true } : { lifted },
    at: lift.at,
  })
  enqueue(
    em,
    UserUnbanned,
    { userId: user.id, unbannedBy: lift.actorId, unbannedAt: lift.at.toISOString() },
    { producer: SERVICE.name, correlationId: lift.correlationId, occurredAt: lift.at },
  )
}

/**
 * Asks posts to take a post down. The projection only learns of the deletion from PostDeleted,
 * so a second request before that is accepted again (posts deletes once).
 */
export async function requestPostTakedown(
  em: EntityManager,
  deps: ModerationDeps,
  input: TakedownInput,
): Promise<void> {
  const { actor, reason, correlationId } = input
  const post = await em.findOne(Post, { id: input.postId, deletedAt: null })
  if (!post) throw new NotFoundError('No such post.')
  const now = deps.clock()
  recordAudit(em, {
    actorId: actor.id,
    action: 'post.takedown',
    targetType: 'post',
    targetId: post.id,
    detail: { reason: reason ?? null, authorId: post.authorId },
    at: now,
  })
  enqueue(
    em,
    PostTakedownRequested,
    { postId: post.id, reason: reason ?? '', requestedBy: actor.id },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
}

export interface CommentTakedownInput {
  actor: Actor
  commentId: string
  reason: string | undefined
  correlationId: string | null
}

/**
 * Asks posts to take a comment down, as `requestPostTakedown` does for a post: the projection
 * learns of the removal from CommentDeleted, so a repeat before that is accepted again.
 */
export async function requestCommentTakedown(
  em: EntityManager,
  deps: ModerationDeps,
  input: CommentTakedownInput,
): Promise<void> {
  const { actor, reason, correlationId } = input
  const comment = await em.findOne(Comment, { id: input.commentId, deletedAt: null })
  if (!comment) throw new NotFoundError('No such comment.')
  const now = deps.clock()
  recordAudit(em, {
    actorId: actor.id,
    action: 'comment.takedown',
    targetType: 'comment',
    targetId: comment.id,
    detail: { reason: reason ?? null, authorId: comment.authorId, postId: comment.postId },
    at: now,
  })
  enqueue(
    em,
    CommentTakedownRequested,
    { commentId: comment.id, reason: reason ?? '', requestedBy: actor.id },
    { producer: SERVICE.name, correlationId, occurredAt: now },
  )
}
