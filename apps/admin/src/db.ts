import { type EntityManager, kyselyOf } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { AuditEntry } from './entities/audit-entry.entity.js'
import type { Comment } from './entities/comment.entity.js'
import type { Email } from './entities/email.entity.js'
import type { Post } from './entities/post.entity.js'
import type { Report } from './entities/report.entity.js'
import type { User } from './entities/user.entity.js'

/** admin's tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type AdminDb = InferKyselyDB<
  typeof AuditEntry | typeof Comment | typeof Email | typeof Post | typeof Report | typeof User
>

/** Kysely for admin's set-based statements, inside `em`'s transaction when it has one. */
export function db(em: EntityManager): Kysely<AdminDb> {
  return kyselyOf<AdminDb>(em)
}
