import { messagingEntities } from '@chatty/db'
import type { InferKyselyDB } from '@mikro-orm/postgresql'

import { Author } from './entities/author.entity.js'
import { Follow } from './entities/follow.entity.js'
import { Post } from './entities/post.entity.js'
import { migrations } from './migrations/index.js'

export const entities = [Post, Author, Follow, ...messagingEntities]

/** posts' own tables as `em.getKysely<PostsDatabase>()` types them, for set-based queries. */
export type PostsDatabase = InferKyselyDB<typeof Post | typeof Author | typeof Follow>

export { migrations }
