import type { UserCounter } from '@chatty/db'
import { type EntityManager, kyselyOf } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { AuthoredPost } from './entities/authored-post.entity.js'
import type { FollowState } from './entities/follow-state.entity.js'
import type { User } from './entities/user.entity.js'

/** auth's tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type AuthDb = InferKyselyDB<
  typeof User | typeof UserCounter | typeof FollowState | typeof AuthoredPost
>

/** Kysely for auth's set-based statements, inside `em`'s transaction when it has one. */
export function db(em: EntityManager): Kysely<AuthDb> {
  return kyselyOf<AuthDb>(em)
}
