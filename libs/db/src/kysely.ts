import type { EntityManager } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

/**
 * The typed Kysely of a service's tables (`DB`, derived with `InferKyselyDB` from its entities),
 * for set-based statements: on `em`'s connection, inside its transaction when it has one.
 * `convertValues` makes rows agree with their types: the driver hands timestamptz over as text and
 * the plugin turns them into Dates. It recognises a column by its name, or by
 * `<table alias>_<column>`, so a timestamp is never selected under any other alias.
 */
export function kyselyOf<DB>(em: EntityManager): Kysely<DB> {
  // The cast only resolves the conditional type MikroORM gives an explicit, never-undefined DB.
  return em.getKysely<DB>({ convertValues: true }) as Kysely<DB>
}
