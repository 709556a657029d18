import { messagingEntities } from '@chatty/db'

import { Effect } from './effect.entity.js'

export { migrations } from './migrations/index.js'

export const entities = [...messagingEntities, Effect]
