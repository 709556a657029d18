import { type EntityManager, kyselyOf } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'
import type { Kysely } from 'kysely'

import type { Comment } from './entities/comment.entity.js'
import type { Follow } from './entities/follow.entity.js'
import type { Notification } from './entities/notification.entity.js'
import type { Post } from './entities/post.entity.js'
import type { UnreadCounter } from './entities/unread-counter.entity.js'
import type { User } from './entities/user.entity.js'

/** notifications' tables as Kysely sees them, derived from the entity definitions (SQL names). */
export type NotificationsDb = InferKyselyDB<
  | typeof User
  | typeof Follow
  | typeof Post
  | typeof Comment
  | typeof Notification
  | typeof UnreadCounter
>

/** Kysely for notifications' set-based statements, inside `em`'s transaction when it has one. */
export function db(em: EntityManager): Kysely<NotificationsDb> {
  return kyselyOf<NotificationsDb>(em)
}
