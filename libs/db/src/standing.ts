import { type RawBuilder, sql, type SqlBool } from 'kysely'

/**
 * `isInGoodStanding` of `@chatty/domain` as a Kysely condition on the `status` and `banned_until`
 * columns every projection of an account has, for queries that filter many rows at once.
 * `table` is the table or its alias in the query.
 */
export function inGoodStandingAt(table: string, now: Date): RawBuilder<SqlBool> {
  const status = sql.ref(`${table}.status`)
  const bannedUntil = sql.ref(`${table}.banned_until`)
  return sql<SqlBool>`(${status} = 'active' or (${status} = 'banned' and ${bannedUntil} is not null and ${bannedUntil} <= ${now}))`
}
