import type { PostsContext } from '../context.js'
import { removeMediaOfDeletedPost } from '../jobs/media-cleanup.js'
import { registerAuthorConsumers } from './authors.js'
import { registerFollowConsumers } from './follows.js'
import { registerModerationConsumers } from './moderation.js'

export function registerConsumers(ctx: PostsContext): void {
  const deps = { clock: ctx.clock }
  registerAuthorConsumers(ctx.messaging.consumer, deps)
  registerFollowConsumers(ctx.messaging.consumer)
  registerModerationConsumers(ctx.messaging.consumer, {
    ...deps,
    removeMediaOfDeletedPost: (postId) =>
      removeMediaOfDeletedPost({ em: ctx.orm.em, store: ctx.mediaStore }, postId),
  })
}
