import { messagingEntities } from '@chatty/db'

import { Follow } from './entities/follow.entity.js'
import { Post } from './entities/post.entity.js'
import { User } from './entities/user.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [User, Follow, Post, ...messagingEntities]

export { migrations }
