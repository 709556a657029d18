import type { EntityManager, InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { Follow } from './entities/follow.entity.js'
import type { Post } from './entities/post.entity.js'
import type { User } from './entities/user.entity.js'
import type { UserCounter } from './entities/user-counter.entity.js'

/** subscription's tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type SubscriptionDb = InferKyselyDB<
  typeof User | typeof UserCounter | typeof Post | typeof Follow
>

/**
 * Kysely for the set-based queries, on `em`'s connection and inside its transaction when it has
 * one. `convertValues` makes rows agree with their types: the driver hands timestamptz over as
 * text, the plugin turns them into Dates. It recognises a column by its name, or by
 * `<table alias>_<column>`, so a timestamp is never selected under any other alias.
 */
export function db(em: EntityManager): Kysely<SubscriptionDb> {
  return em.getKysely<SubscriptionDb>({ convertValues: true })
}
