import {
  authorSummarySchema as sharedAuthorSummary,
  feedItemSchema as sharedFeedItem,
  postSchema as sharedPost,
  publicUserSchema as sharedPublicUser,
} from '@chatty/contracts'
import { z } from '@hono/zod-openapi'

// Rebuilt through the extended z: zod 4 schemas created before @hono/zod-openapi has loaded (as
// the contracts' may be, depending on import order) lack `.openapi()`.
export const publicUserSchema = z.object(sharedPublicUser.shape).openapi('PublicUser')

const authorSummarySchema = z.object(sharedAuthorSummary.shape).openapi('AuthorSummary')

export const postSchema = sharedPost.extend({ author: authorSummarySchema }).openapi('Post')

export const feedItemSchema = sharedFeedItem
  .extend({ post: postSchema, repostedBy: authorSummarySchema.nullable() })
  .openapi('FeedItem')

export const followStateSchema = z
  .object({ following: z.boolean() })
  .openapi('FollowState', { example: { following: true } })

export const usernameParams = z.object({
  username: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'username', in: 'path' }, example: 'ada' }),
})
