import { UserProfileUpdated } from '@chatty/contracts'
import { type EntityManager, inGoodStandingAt } from '@chatty/db'
import { isInGoodStanding, NotFoundError } from '@chatty/domain'
import { enqueue } from '@chatty/messaging'
import { LockMode, raw } from '@mikro-orm/core'
import type { ExpressionBuilder } from 'kysely'

import { type AuthDb, db } from '../db.js'
import { User, type UserRow } from '../entities/user.entity.js'
import { SERVICE } from '../service.js'
import { findOwnAccount } from './accounts.js'

/** The longest avatar URL kept (the column's length). */
export const AVATAR_URL_MAX_LENGTH = 500

/** What a profile search asks: a name prefix, the page position and size. */
export interface ProfileSearch {
  /** A prefix of the username or the display name, in any case; every account without it. */
  q?: string | undefined
  /** The sort key (`lower(username)`) of the last account of the previous page. */
  after?: string | undefined
  limit: number
}

/** A profile as its viewer sees it: the viewer's follow relation to it, when signed in. */
export interface FollowRelation {
  following: boolean
  followedBy: boolean
}

export interface ProfileChanges {
  displayName?: string | undefined
  bio?: string | undefined
  avatarUrl?: string | null | undefined
}

/**
 * An avatar URL as it is stored, or null when it is refused: an https URL anywhere, or a Chatty
 * media URL (`{publicUrl}/media/...` or the path `/media/...`, kept as the path), never a
 * `javascript:`, `data:` or plain `http:` URL elsewhere, nor one carrying credentials.
 */
export function avatarUrlOf(value: string, publicUrl: string): string | null {
  // Whitespace, control characters and backslashes are read differently by browsers and parsers.
  if (/[\s\p{Cc}\\]/u.test(value)) return null
  const chatty = new URL(publicUrl)
  const isPath = value.startsWith('/') && !value.startsWith('//')
  if (!isPath && !/^[a-z][a-z0-9+.-]*:/i.test(value)) return null
  let url: URL
  try {
    url = new URL(value, chatty)
  } catch {
    return null
  }
  if (url.username || url.password) return null
  const stored =
    url.origin === chatty.origin && url.pathname.startsWith('/media/')
      ? isPath
        ? `${url.pathname}${url.search}`
        : url.href
      : !isPath && url.protocol === 'https:' && url.hostname
        ? url.href
        : null
  return stored && stored.length <= AVATAR_URL_MAX_LENGTH ? stored : null
}

/** `text` as the start of a LIKE pattern: its own `%`, `_` and `\` match only themselves. */
function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, '\\$&')}%`
}

const sortKey = (eb: ExpressionBuilder<AuthDb, 'users'>) =>
  eb.fn<string>('lower', [eb.ref('users.username')])

/**
 * The ids of the accounts in good standing whose username or display name starts with `q` (any
 * case), ordered by lowercased username (unique, so the order is stable), `limit + 1` of them.
 * Both prefix conditions are answered from the `text_pattern_ops` indexes on the lowercased names.
 */
export function profileSearchQuery(em: EntityManager, search: ProfileSearch, now: Date) {
  let query = db(em)
    .selectFrom('users')
    .select((eb) => ['users.id', sortKey(eb).as('sort_key')])
    .where((eb) =>
      inGoodStandingAt(
        eb,
        { status: eb.ref('users.status'), bannedUntil: eb.ref('users.banned_until') },
        now,
      ),
    )
  const { q, after } = search
  if (q) {
    query = query.where((eb) => {
      const pattern = eb.fn<string>('lower', [eb.val(likePrefix(q))])
      return eb.or([
        eb(sortKey(eb), 'like', pattern),
        eb(eb.fn<string>('lower', [eb.ref('users.display_name')]), 'like', pattern),
      ])
    })
  }
  if (after !== undefined) query = query.where((eb) => eb(sortKey(eb), '>', after))
  return query.orderBy('sort_key').limit(search.limit + 1)
}

/**
 * The accounts a profile search finds, in its order, `limit + 1` at most (the extra one tells the
 * caller there is another page), with their counts.
 */
export async function searchProfiles(
  em: EntityManager,
  deps: { clock: () => Date },
  search: ProfileSearch,
): Promise<UserRow[]> {
  const found = await profileSearchQuery(em, search, deps.clock()).execute()
  if (found.length === 0) return []
  const users = await em.find(User, { id: { $in: found.map((row) => row.id) } })
  const byId = new Map(users.map((user) => [user.id, user]))
  return found.flatMap((row) => byId.get(row.id) ?? [])
}

/** The profile a username names (in any case); unknown, banned and deleted accounts are not found. */
export async function findProfile(
  em: EntityManager,
  deps: { clock: () => Date },
  input: { username: string },
): Promise<UserRow> {
  const user = await em.findOne(User, {
    [raw((alias) => `lower(${alias}.username)`)]: input.username.toLowerCase(),
  })
  if (!user || !isInGoodStanding(user, deps.clock())) throw new NotFoundError('No such user.')
  return user
}

/** Whether `viewerId` follows `userId` and the reverse, as the Followed/Unfollowed events left it. */
export async function followRelation(
  em: EntityManager,
  input: { viewerId: string; userId: string },
): Promise<FollowRelation> {
  const { viewerId, userId } = input
  const rows = await db(em)
    .selectFrom('follow_states')
    .select(['follower_id', 'followee_id'])
    .where('following', '=', true)
    .where((eb) =>
      eb.or([
        eb.and([eb('follower_id', '=', viewerId), eb('followee_id', '=', userId)]),
        eb.and([eb('follower_id', '=', userId), eb('followee_id', '=', viewerId)]),
      ]),
    )
    .execute()
  return {
    following: rows.some((row) => row.follower_id === viewerId && row.followee_id === userId),
    followedBy: rows.some((row) => row.follower_id === userId && row.followee_id === viewerId),
  }
}

/**
 * Applies the caller's profile changes and, when anything changed, writes UserProfileUpdated with
 * the whole profile, in the caller's transaction. The row is locked first, so of two concurrent
 * edits the later one's event carries the other's change too, and is the later one.
 */
export async function updateProfile(
  em: EntityManager,
  deps: { clock: () => Date },
  input: { userId: string; changes: ProfileChanges; correlationId: string | null },
): Promise<UserRow> {
  // Locked as it is loaded, so what follows reads the latest committed profile.
  await em.findOne(User, { id: input.userId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
  const user = await findOwnAccount(em, input.userId)
  const { changes } = input
  const changed = (Object.keys(changes) as (keyof ProfileChanges)[]).filter(
    (field) => changes[field] !== undefined && changes[field] !== user[field],
  )
  if (changed.length === 0) return user
  const now = deps.clock()
  for (const field of changed) Object.assign(user, { [field]: changes[field] })
  user.updatedAt = now
  enqueue(
    em,
    UserProfileUpdated,
    {
      userId: user.id,
      displayName: user.displayName,
      bio: user.bio,
      avatarUrl: user.avatarUrl ?? null,
    },
    { producer: SERVICE.name, correlationId: input.correlationId, occurredAt: now },
  )
  return user
}
