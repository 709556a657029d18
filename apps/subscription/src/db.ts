import type { UserCounter } from '@chatty/db'
import { type EntityManager, kyselyOf } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { FeedRemoval } from './entities/feed-removal.entity.js'
import type { Follow } from './entities/follow.entity.js'
import type { Like } from './entities/like.entity.js'
import type { Poll } from './entities/poll.entity.js'
import type { PollVote } from './entities/poll-vote.entity.js'
import type { Post } from './entities/post.entity.js'
import type { PostCounts } from './entities/post-counts.entity.js'
import type { Repost } from './entities/repost.entity.js'
import type { User } from './entities/user.entity.js'

/** subscription's tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type SubscriptionDb = InferKyselyDB<
  | typeof User
  | typeof UserCounter
  | typeof Post
  | typeof PostCounts
  | typeof Poll
  | typeof PollVote
  | typeof Like
  | typeof Repost
  | typeof Follow
  | typeof FeedRemoval
>

/** Kysely for subscription's set-based statements, inside `em`'s transaction when it has one. */
export function db(em: EntityManager): Kysely<SubscriptionDb> {
  return kyselyOf<SubscriptionDb>(em)
}
