import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { kyselyOf } from './kysely.js'
import type { EntityManager, MikroORM } from './orm.js'
import { preparedQuery } from './prepared.js'
import { Item, preparedStatements, type Tables } from './test-support/items.js'
import { createTestDatabase, type TestDatabase } from './testing.js'
import { inTransaction } from './transaction.js'

describe('prepared statements', () => {
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

  const labelsQuery = preparedQuery((em, { ids }: { ids: number[] }) =>
    kyselyOf<Tables>(em)
      .selectFrom('items')
      .select('label')
      .where((eb) => eb('id', '=', eb.fn.any(eb.val(ids))))
      .orderBy('id'),
  )
  const labelsOf = (em: EntityManager, ids: number[]) => labelsQuery(em, { ids })
  /** A query with one text for each `n`: its shape. */
  const numberQuery = preparedQuery((em, _values: object, n: number) =>
    kyselyOf<Tables>(em)
      .selectFrom('items')
      .select((eb) => eb.lit(n).as('n'))
      .where('id', '=', 1),
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
        const rows = await numberQuery(em, {}, n)
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
