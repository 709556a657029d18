import { type EntityManager, kyselyOf, type UserCounter } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { Author } from './entities/author.entity.js'
import type { Comment } from './entities/comment.entity.js'
import type { Follow } from './entities/follow.entity.js'
import type { Like } from './entities/like.entity.js'
import type { Media } from './entities/media.entity.js'
import type { Poll } from './entities/poll.entity.js'
import type { PollVote } from './entities/poll-vote.entity.js'
import type { Post } from './entities/post.entity.js'
import type { PostCounter } from './entities/post-counter.entity.js'
import type { Repost } from './entities/repost.entity.js'
import type { TagUse } from './entities/tag-use.entity.js'

/** posts' tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type PostsDb = InferKyselyDB<
  | typeof Author
  | typeof Comment
  | typeof Follow
  | typeof Like
  | typeof Poll
  | typeof PollVote
  | typeof Media
  | typeof Post
  | typeof PostCounter
  | typeof Repost
  | typeof TagUse
  | typeof UserCounter
>

/** Kysely for posts's set-based statements, inside `em`'s transaction when it has one. */
export function db(em: EntityManager): Kysely<PostsDb> {
  return kyselyOf<PostsDb>(em)
}
