import { defineEntity, p } from '@mikro-orm/core'
import { sql } from 'kysely'

import { kyselyOf } from '../kysely.js'
import type { EntityManager } from '../orm.js'

/** A table of numbered labels, for the prepared statements' tests. */
export const Item = defineEntity({
  name: 'Item',
  tableName: 'items',
  properties: { id: p.integer().primary(), label: p.string() },
})

export interface Tables {
  items: { id: number; label: string }
}

/** The statements the connection of `em`'s transaction has prepared. */
export async function preparedStatements(em: EntityManager): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(
    kyselyOf(em),
  )
  return rows.map((row) => row.name)
}
