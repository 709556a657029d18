import { messagingEntities } from '@chatty/db'
import { UserCounter } from '@chatty/db'

import { FeedRemoval } from './entities/feed-removal.entity.js'
import { Follow } from './entities/follow.entity.js'
import { Like } from './entities/like.entity.js'
import { Poll } from './entities/poll.entity.js'
import { PollVote } from './entities/poll-vote.entity.js'
import { Post } from './entities/post.entity.js'
import { PostCounts } from './entities/post-counts.entity.js'
import { Repost } from './entities/repost.entity.js'
import { User } from './entities/user.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [
  User,
  UserCounter,
  Follow,
  Post,
  PostCounts,
  Like,
  Repost,
  FeedRemoval,
  Poll,
  PollVote,
  ...messagingEntities,
]

export { migrations }
