import type { Expression, ExpressionBuilder, ExpressionWrapper, SqlBool } from 'kysely'

/** The columns of a projected account that `inGoodStandingAt` reads, as references into a query. */
export interface StandingColumns {
  status: Expression<string>
  bannedUntil: Expression<Date | null>
}

/**
 * `isInGoodStanding` of `@chatty/domain` as a SQL condition: the account is active, or its
 * temporary ban ended at or before `now`.
 */
export function inGoodStandingAt<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  columns: StandingColumns,
  now: Date,
): ExpressionWrapper<DB, TB, SqlBool> {
  return eb.or([
    eb(columns.status, '=', 'active'),
    eb.and([
      eb(columns.status, '=', 'banned'),
      eb(columns.bannedUntil, 'is not', null),
      eb(columns.bannedUntil, '<=', now),
    ]),
  ])
}
