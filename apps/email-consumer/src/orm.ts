import { messagingEntities } from '@chatty/db'

import { Email } from './entities/email.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [Email, ...messagingEntities]

export { migrations }
