import { messagingEntities } from '@chatty/db'
import { UserCounter } from '@chatty/db'

import { FeedRemoval } from './entities/feed-removal.entity.js'
import { Follow } from './entities/follow.entity.js'
import { Post } from './entities/post.entity.js'
import { User } from './entities/user.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [User, UserCounter, Follow, Post, FeedRemoval, ...messagingEntities]

export { migrations }
