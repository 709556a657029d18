import { type EntityManager, inGoodStandingAt, preparedQuery } from '@chatty/db'
import { ForbiddenError, isBannedAt, UnauthorizedError } from '@chatty/domain'
import { LockMode } from '@mikro-orm/core'

import type { PostsContext } from '../context.js'
import { db } from '../db.js'
import { Author, type AuthorRow } from '../entities/author.entity.js'

/**
 * The author's row, created first as a placeholder (active, no username yet) when no event has
 * mentioned the user before. Every handler and request that touches an author goes through here,
 * so an event that overtakes UserRegistered applies to the placeholder and is not lost. `lock`
 * holds the row until the commit: `true` to change it, `'share'` to rely on its standing.
 */
export async function ensureAuthor(
  em: EntityManager,
  { clock }: Pick<PostsContext, 'clock'>,
  { id, lock = false }: { id: string; lock?: boolean | 'share' },
): Promise<AuthorRow> {
  const lockMode =
    lock === 'share' ? LockMode.PESSIMISTIC_READ : lock ? LockMode.PESSIMISTIC_WRITE : undefined
  const existing = await em.findOne(Author, { id }, { lockMode })
  if (existing) return existing
  await db(em)
    .insertInto('authors')
    .values({ id, status: 'active', updated_at: clock() })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute()
  return em.findOneOrFail(Author, { id }, { lockMode })
}

/**
 * The caller's author row when they may write at `now` (post, edit, comment): 401 for a deleted
 * account, 403 `account-banned` while a ban lasts. A row still waiting for UserRegistered takes
 * the token's username, so what they write never lacks an author.
 */
export async function ensureWritingAuthor(
  em: EntityManager,
  now: Date,
  { user, lock = false }: { user: { id: string; username: string }; lock?: boolean },
): Promise<AuthorRow> {
  const author = await ensureAuthor(em, { clock: () => now }, { id: user.id, lock })
  if (author.status === 'deleted') throw new UnauthorizedError('This account no longer exists.')
  if (isBannedAt(author, now)) {
    throw new ForbiddenError('This account is banned.', 'account-banned')
  }
  if (!author.username) {
    author.username = user.username
    author.updatedAt = now
  }
  return author
}

const authorByUsernameQuery = preparedQuery(
  (em, { username, now }: { username: string; now: Date }) =>
    db(em)
      .selectFrom('authors as a')
      .select('a.id')
      .where((eb) => eb(eb.fn('lower', ['a.username']), '=', eb.fn('lower', [eb.val(username)])))
      .where((eb) =>
        inGoodStandingAt(
          eb,
          { status: eb.ref('a.status'), bannedUntil: eb.ref('a.banned_until') },
          now,
        ),
      )
      .orderBy('a.updated_at', 'desc')
      .limit(1),
)

/** The author a username names (in any case), if their posts may be shown. */
export async function findAuthorByUsername(
  em: EntityManager,
  { clock }: Pick<PostsContext, 'clock'>,
  { username }: { username: string },
): Promise<Pick<AuthorRow, 'id'> | null> {
  const [row] = await authorByUsernameQuery(em, { username, now: clock() })
  return row ?? null
}
