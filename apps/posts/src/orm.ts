import { messagingEntities, UserCounter } from '@chatty/db'

import { Author } from './entities/author.entity.js'
import { Comment } from './entities/comment.entity.js'
import { Follow } from './entities/follow.entity.js'
import { Like } from './entities/like.entity.js'
import { Media } from './entities/media.entity.js'
import { Poll } from './entities/poll.entity.js'
import { PollVote } from './entities/poll-vote.entity.js'
import { Post } from './entities/post.entity.js'
import { PostCounter } from './entities/post-counter.entity.js'
import { Repost } from './entities/repost.entity.js'
import { TagUse } from './entities/tag-use.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [
  Post,
  PostCounter,
  Like,
  Repost,
  Author,
  Follow,
  UserCounter,
  Comment,
  TagUse,
  Poll,
  PollVote,
  Media,
  ...messagingEntities,
]

export { migrations }
