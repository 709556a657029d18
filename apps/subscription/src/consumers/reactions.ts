import { PostLiked, PostReposted, PostUnliked, PostUnreposted } from '@chatty/contracts'

import type { SubscriptionContext } from '../context.js'
import { db } from '../db.js'
import { fanOutRepost, withdrawRepost } from '../domain/fan-out.js'
import { feedMember } from '../domain/feed-page.js'
import { recordLike, recordRepost } from '../domain/reactions.js'
import { ensureUser } from '../domain/users.js'

/**
 * Likes and reposts. Both keep the latest state per pair for the `…ByMe` flags of feed items
 * (counts come from posts' PostCountsChanged); a repost is also an entry of the reposter's own
 * and their followers' feeds, fanned out and withdrawn like their posts, under the reposter's row
 * lock. The reposter's UserRegistered may not have arrived yet (see `ensureUser`).
 */
export function registerReactionConsumers(ctx: SubscriptionContext): void {
  ctx.messaging.consumer.on(PostLiked, (event, { em }) => recordLike(em, event, true))
  ctx.messaging.consumer.on(PostUnliked, (event, { em }) => recordLike(em, event, false))

  ctx.messaging.consumer.on(PostReposted, async (event, { em }) => {
    const at = new Date(event.at)
    const reposter = await ensureUser(em, event.userId, at)
    if (!(await recordRepost(em, event, true))) return
    const post = await db(em)
      .selectFrom('posts')
      .select('deleted_at')
      .where('id', '=', event.postId)
      .executeTakeFirst()
    // A post deleted meanwhile takes no place in feeds; one not known yet renders once it is.
    if (post?.deleted_at) return
    await fanOutRepost(em, ctx, {
      reposter,
      repost: { id: feedMember(event.postId, event.userId), at: at.getTime() },
    })
  })

  ctx.messaging.consumer.on(PostUnreposted, async (event, { em }) => {
    const reposter = await ensureUser(em, event.userId, new Date(event.at))
    const change = await recordRepost(em, event, false)
    if (!change?.previousAt) return
    await withdrawRepost(em, ctx, {
      reposter,
      repost: {
        id: feedMember(event.postId, event.userId),
        at: change.previousAt.getTime(),
      },
    })
  })
}
