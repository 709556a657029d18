import type { EntityManager } from '@chatty/db'
import { LockMode } from '@mikro-orm/core'

import { Author, type AuthorRow } from '../entities/author.entity.js'

export type AuthorStanding = Pick<AuthorRow, 'status' | 'bannedUntil'>

/** Whether the author's posts may be shown: not deleted, and not banned (or the ban has run out). */
export function isInGoodStanding(author: AuthorStanding, now: Date): boolean {
  if (author.status === 'active') return true
  return author.status === 'banned' && author.bannedUntil != null && author.bannedUntil <= now
}

/** `isInGoodStanding` as SQL on the `authors` row aliased `a`; the one parameter is now. */
export const AUTHOR_IN_GOOD_STANDING_SQL = `(a.status = 'active' or (a.status = 'banned' and a.banned_until is not null and a.banned_until <= ?))`

/** The author's row, created empty first when no event has mentioned the user yet. */
export async function ensureAuthor(
  em: EntityManager,
  id: string,
  now: Date,
  options: { lock?: boolean } = {},
): Promise<AuthorRow> {
  const lockMode = options.lock ? LockMode.PESSIMISTIC_WRITE : undefined
  const existing = await em.findOne(Author, { id }, { lockMode })
  if (existing) return existing
  await em
    .createQueryBuilder(Author)
    .insert({ id, status: 'active', updatedAt: now })
    .onConflict('id')
    .ignore()
    .execute('run')
  return em.findOneOrFail(Author, { id }, { lockMode })
}

/** The author a username names, if their posts may be shown. */
export async function findAuthorByUsername(
  em: EntityManager,
  username: string,
  now: Date,
): Promise<Pick<AuthorRow, 'id'> | null> {
  const [row] = await em.execute<{ id: string }[]>(
    `select a.id from authors a
      where lower(a.username) = lower(?) and ${AUTHOR_IN_GOOD_STANDING_SQL}
      order by a.updated_at desc
      limit 1`,
    [username, now],
  )
  return row ?? null
}
