import { messagingEntities } from '@chatty/db'

import { Follow } from './entities/follow.entity.js'
import { Post } from './entities/post.entity.js'
import { User } from './entities/user.entity.js'
import { UserCounter } from './entities/user-counter.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [User, UserCounter, Follow, Post, ...messagingEntities]

export { migrations }
