import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { kyselyOf } from './kysely.js'
import type { MikroORM } from './orm.js'
import { preparedQuery } from './prepared.js'
import { Item, preparedStatements, type Tables } from './test-support/items.js'
import { createTestDatabase, type TestDatabase } from './testing.js'
import { inTransaction } from './transaction.js'

describe('preparedQuery', () => {
  let database: TestDatabase
  let orm: MikroORM

  beforeAll(async () => {
    database = await createTestDatabase({
      name: 'prepared_query',
      entities: [Item],
      migrations: [],
    })
    orm = database.orm
    await orm.schema.create()
    await orm.em
      .fork()
      .execute(`insert into items (id, label) values (1, 'one'), (2, 'two'), (3, 'three')`)
  })

  afterAll(async () => {
    await database.drop()
  })

  it('builds its query once and answers each run with that run’s values', async () => {
    let builds = 0
    const labels = preparedQuery((em, { ids, skipped }: { ids: number[]; skipped: string }) => {
      builds += 1
      return kyselyOf<Tables>(em)
        .selectFrom('items')
        .select('label')
        .where((eb) => eb('id', '=', eb.fn.any(eb.val(ids))))
        .where('label', '<>', skipped)
        .where('label', '<>', 'none')
        .orderBy('id')
    })
    await inTransaction(orm.em, async (em) => {
      const before = await preparedStatements(em)
      expect(await labels(em, { ids: [1, 2, 3], skipped: 'two' })).toEqual([
        { label: 'one' },
        { label: 'three' },
      ])
      expect(await labels(em, { ids: [2], skipped: 'one' })).toEqual([{ label: 'two' }])
      expect((await preparedStatements(em)).filter((name) => !before.includes(name))).toHaveLength(
        1,
      )
    })
    expect(await labels(orm.em.fork(), { ids: [3], skipped: 'two' })).toEqual([{ label: 'three' }])
    expect(builds).toBe(1)
  })

  it('builds its query once for each shape it runs in', async () => {
    let builds = 0
    const labels = preparedQuery(
      (em, { upTo }: { upTo: number }, { newestFirst }: { newestFirst: boolean }) => {
        builds += 1
        return kyselyOf<Tables>(em)
          .selectFrom('items')
          .select('label')
          .where('id', '<=', upTo)
          .orderBy('id', newestFirst ? 'desc' : 'asc')
      },
    )
    const em = orm.em.fork()
    expect(await labels(em, { upTo: 2 }, { newestFirst: true })).toEqual([
      { label: 'two' },
      { label: 'one' },
    ])
    expect(await labels(em, { upTo: 3 }, { newestFirst: false })).toEqual([
      { label: 'one' },
      { label: 'two' },
      { label: 'three' },
    ])
    expect(await labels(em, { upTo: 1 }, { newestFirst: true })).toEqual([{ label: 'one' }])
    expect(builds).toBe(2)
  })

  it('refuses a query whose shape depends on one of its values', async () => {
    const rows = preparedQuery((em, { withLabel }: { withLabel: boolean }) =>
      kyselyOf<Tables>(em)
        .selectFrom('items')
        .select('id')
        .$if(withLabel, (query) => query.select('label')),
    )
    await expect(rows(orm.em.fork(), { withLabel: false })).rejects.toThrow(/withLabel/)
  })

  it('fills a value used twice in both its places, whatever its type', async () => {
    const between = preparedQuery((em, { id, since }: { id: number; since: Date }) =>
      kyselyOf<Tables>(em)
        .selectFrom('items')
        .select('label')
        .where('id', '>=', id)
        .where('id', '<=', id)
        .where(sql<boolean>`${since} < now()`),
    )
    const em = orm.em.fork()
    expect(await between(em, { id: 2, since: new Date(0) })).toEqual([{ label: 'two' }])
    expect(await between(em, { id: 3, since: new Date(0) })).toEqual([{ label: 'three' }])
    expect(await between(em, { id: 3, since: new Date(Date.now() + 60_000) })).toEqual([])
  })

  it('refuses a query that computes with one of its values', async () => {
    const rows = preparedQuery((em, { page }: { page: number }) =>
      kyselyOf<Tables>(em)
        .selectFrom('items')
        .select('id')
        .limit(10)
        .offset(page * 10),
    )
    await expect(rows(orm.em.fork(), { page: 1 })).rejects.toThrow(/computed with its value 'page'/)
  })

  it('refuses a query that uses its values as a whole', async () => {
    const rows = preparedQuery((em, values: { id: number; label: string }) =>
      kyselyOf<Tables>(em)
        .selectFrom('items')
        .select('id')
        .where((eb) => eb.and(values)),
    )
    await expect(rows(orm.em.fork(), { id: 1, label: 'one' })).rejects.toThrow(/as a whole/)
  })
})
