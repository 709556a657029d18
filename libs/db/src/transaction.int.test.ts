import { defineEntity, p } from '@mikro-orm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type MikroORM } from './orm.js'
import { createTestDatabase, type TestDatabase } from './testing.js'
import { inTransaction } from './transaction.js'

const Counter = defineEntity({
  name: 'Counter',
  tableName: 'counters',
  properties: { id: p.integer().primary(), value: p.integer() },
})

describe('inTransaction', () => {
  let database: TestDatabase
  let orm: MikroORM

  beforeAll(async () => {
    database = await createTestDatabase({ name: 'txretry', entities: [Counter], migrations: [] })
    orm = database.orm
    await orm.schema.create()
    await orm.em.fork().execute('insert into counters (id, value) values (1, 0), (2, 0)')
  })

  afterAll(async () => {
    await database.drop()
  })

  it('runs two transactions that deadlock each other to completion', async () => {
    let runs = 0
    // Each locks one row, waits for the other to lock its row too, then wants the other's row.
    let locked = 0
    const bothLocked = () =>
      new Promise<void>((resolve) => {
        const check = () => (locked >= 2 ? resolve() : setTimeout(check, 5))
        check()
      })
    const crosswise = (first: number, second: number) =>
      inTransaction(orm.em, async (em) => {
        runs++
        await em.execute('update counters set value = value + 1 where id = ?', [first])
        if (runs <= 2) {
          locked++
          await bothLocked()
        }
        await em.execute('update counters set value = value + 1 where id = ?', [second])
      })
    await Promise.all([crosswise(1, 2), crosswise(2, 1)])
    expect(runs).toBeGreaterThan(2)
    const rows = await orm.em.fork().execute('select value from counters order by id')
    expect(rows).toEqual([{ value: 2 }, { value: 2 }])
  })

  it('does not run work again that failed for another reason', async () => {
    let runs = 0
    await expect(
      inTransaction(orm.em, async () => {
        runs++
        throw new Error('a bug')
      }),
    ).rejects.toThrow('a bug')
    expect(runs).toBe(1)
  })
})
