import { messagingEntities } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'

import { AuditEntry } from './entities/audit-entry.entity.js'
import { Email } from './entities/email.entity.js'
import { Post } from './entities/post.entity.js'
import { User } from './entities/user.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [User, Email, Post, AuditEntry, ...messagingEntities]

/** admin's tables as the typed Kysely of `em.getKysely<AdminDatabase>()` sees them. */
export type AdminDatabase = InferKyselyDB<
  typeof User | typeof Email | typeof Post | typeof AuditEntry
>

export { migrations }
