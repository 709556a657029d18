import { messagingEntities } from '@chatty/db'

import { Comment } from './entities/comment.entity.js'
import { Follow } from './entities/follow.entity.js'
import { Notification } from './entities/notification.entity.js'
import { Post } from './entities/post.entity.js'
import { UnreadCounter } from './entities/unread-counter.entity.js'
import { User } from './entities/user.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [
  User,
  Follow,
  Post,
  Comment,
  Notification,
  UnreadCounter,
  ...messagingEntities,
]

export { migrations }
