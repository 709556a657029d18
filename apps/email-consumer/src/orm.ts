import { messagingEntities } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'

import { Email } from './entities/email.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [Email, ...messagingEntities]

/** The email consumer's tables as the typed Kysely of `em.getKysely<EmailDatabase>()` sees them. */
export type EmailDatabase = InferKyselyDB<typeof Email>

export { migrations }
