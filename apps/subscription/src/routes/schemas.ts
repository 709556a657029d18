import {
  authorSummarySchema as sharedAuthorSummary,
  feedItemSchema as sharedFeedItem,
  postSchema as sharedPost,
  publicUserSchema as sharedPublicUser,
} from '@chatty/contracts'
import { named } from '@chatty/http'
import { z } from '@hono/zod-openapi'

export const publicUserSchema = named(sharedPublicUser, 'PublicUser')

const authorSummarySchema = named(sharedAuthorSummary, 'AuthorSummary')

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
