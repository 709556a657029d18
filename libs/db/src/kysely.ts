import type { EntityManager } from '@mikro-orm/postgresql'
import { type Kysely, sql } from 'kysely'

/**
 * The typed Kysely of a service's tables (`DB`, derived with `InferKyselyDB` from its entities),
 * for set-based statements: on `em`'s connection, inside its transaction when it has one.
 * Rows agree with their types as the driver reads them (timestamptz as Dates, see `createOrm`), so
 * no plugin rewrites queries or converts rows.
 */
export function kyselyOf<DB>(em: EntityManager): Kysely<DB> {
  // The cast only resolves the conditional type MikroORM gives an explicit, never-undefined DB.
  return em.getKysely<DB>() as Kysely<DB>
}

/**
 * Holds the lock named `key` until `em`'s transaction ends, so two transactions doing work under
 * the same key never interleave: for work that has no row of its own to lock.
 */
export async function lockUntilCommit(em: EntityManager, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(kyselyOf(em))
}
