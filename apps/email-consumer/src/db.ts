import { type EntityManager, kyselyOf } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { Email } from './entities/email.entity.js'

/** email-consumer's tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type EmailDb = InferKyselyDB<typeof Email>

/** Kysely for email-consumer's set-based statements, inside `em`'s transaction when it has one. */
export function db(em: EntityManager): Kysely<EmailDb> {
  return kyselyOf<EmailDb>(em)
}
