import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely'
import { describe, expect, it } from 'vitest'

import { inGoodStandingAt } from './standing.js'

interface Db {
  authors: { id: string; status: 'active' | 'banned' | 'deleted'; banned_until: Date | null }
}

// Compiles queries without a database.
const db = new Kysely<Db>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
})

const now = new Date('2026-12-01T12:00:00Z')

describe('inGoodStandingAt', () => {
  it('is active, or banned with an end at or before now', () => {
    const query = db
      .selectFrom('authors as a')
      .select('a.id')
      .where((eb) =>
        inGoodStandingAt(
          eb,
          { status: eb.ref('a.status'), bannedUntil: eb.ref('a.banned_until') },
          now,
        ),
      )
      .compile()

    expect(query.sql).toBe(
      'select "a"."id" from "authors" as "a" where ("a"."status" = $1 or ("a"."status" = $2 and "a"."banned_until" is not null and "a"."banned_until" <= $3))',
    )
    expect(query.parameters).toEqual(['active', 'banned', now])
  })
})
