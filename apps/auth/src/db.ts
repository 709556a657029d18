import type { EntityManager, InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { FollowState } from './entities/follow-state.entity.js'
import type { User } from './entities/user.entity.js'
import type { UserCounter } from './entities/user-counter.entity.js'

/** auth's tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type AuthDb = InferKyselyDB<typeof User | typeof UserCounter | typeof FollowState>

/**
 * Kysely for set-based statements, on `em`'s connection and inside its transaction when it has
 * one; `convertValues` turns timestamps into Dates like the entities do.
 */
export function db(em: EntityManager): Kysely<AuthDb> {
  return em.getKysely<AuthDb>({ convertValues: true })
}
