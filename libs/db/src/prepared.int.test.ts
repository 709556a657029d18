import { defineEntity, p } from '@mikro-orm/core'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { kyselyOf } from './kysely.js'
import type { EntityManager, MikroORM } from './orm.js'
import { executePrepared, preparedQuery } from './prepared.js'
import { createTestDatabase, type TestDatabase } from './testing.js'
import { inTransaction } from './transaction.js'

const Item = defineEntity({
  name: 'Item',
  tableName: 'items',
  properties: { id: p.integer().primary(), label: p.string() },
})

interface Tables {
  items: { id: number; label: string }
}

/** The statements the connection of `em`'s transaction has prepared. */
async function preparedStatements(em: EntityManager): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(
    kyselyOf(em),
  )
  return rows.map((row) => row.name)
}

// Before executePrepared's tests, one of which fills the process's table of statement names.
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
})

describe('executePrepared', () => {
  let database: TestDatabase
  let orm: MikroORM

  beforeAll(async () => {
    database = await createTestDatabase({ name: 'prepared', entities: [Item], migrations: [] })
    orm = database.orm
    await orm.schema.create()
    await orm.em.fork().execute(`insert into items (id, label) values (1, 'one'), (2, 'two')`)
  })

  afterAll(async () => {
    await database.drop()
  })

  const labelsOf = (em: EntityManager, ids: number[]) =>
    executePrepared(
      em,
      kyselyOf<Tables>(em)
        .selectFrom('items')
        .select('label')
        .where((eb) => eb('id', '=', eb.fn.any(eb.val(ids))))
        .orderBy('id'),
    )

  it('answers the rows of a query, which its connection keeps prepared for the next run', async () => {
    await inTransaction(orm.em, async (em) => {
      const before = await preparedStatements(em)
      expect(await labelsOf(em, [1, 2])).toEqual([{ label: 'one' }, { label: 'two' }])
      expect(await labelsOf(em, [2])).toEqual([{ label: 'two' }])
      const added = (await preparedStatements(em)).filter((name) => !before.includes(name))
      expect(added).toHaveLength(1)
      expect(added[0]).toMatch(/^chatty_[0-9a-f]{16}$/)
    })
  })

  it('stops preparing new texts past its bound, and still answers them', async () => {
    await inTransaction(orm.em, async (em) => {
      for (let n = 0; n < 300; n++) {
        const rows = await executePrepared(
          em,
          kyselyOf<Tables>(em)
            .selectFrom('items')
            .select((eb) => eb.lit(n).as('n'))
            .where('id', '=', 1),
        )
        expect(rows).toEqual([{ n }])
      }
      expect((await preparedStatements(em)).length).toBeLessThanOrEqual(256)
    })
  })

  it('leaves other queries unprepared', async () => {
    await inTransaction(orm.em, async (em) => {
      const before = await preparedStatements(em)
      await kyselyOf<Tables>(em).selectFrom('items').select('id').execute()
      expect(await preparedStatements(em)).toEqual(before)
    })
  })

  it('answers after a migration changed the type of a column it reads', async () => {
    const read = () => labelsOf(orm.em.fork(), [1])
    for (let run = 0; run < 3; run++) expect(await read()).toEqual([{ label: 'one' }])
    await orm.em.fork().execute('alter table items alter column label type text')
    expect(await read()).toEqual([{ label: 'one' }])
    expect(await read()).toEqual([{ label: 'one' }])
  })

  it('runs a transaction again when a statement in it had to be prepared anew', async () => {
    const read = () => inTransaction(orm.em, (em) => labelsOf(em, [2]))
    for (let run = 0; run < 3; run++) expect(await read()).toEqual([{ label: 'two' }])
    await orm.em.fork().execute('alter table items alter column label type varchar(64)')
    expect(await read()).toEqual([{ label: 'two' }])
  })
})
