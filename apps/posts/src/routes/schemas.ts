import { authorSummarySchema, type Post, postSchema as sharedPostSchema } from '@chatty/contracts'
import { named, pageOf } from '@chatty/http'

import type { PostView } from '../domain/posts.js'

export const authorSchema = named(authorSummarySchema, 'AuthorSummary')
export const postSchema = sharedPostSchema.extend({ author: authorSchema }).openapi('Post')
export const postPageSchema = pageOf(postSchema).openapi('PostPage')

/** The API shape of a post, as its viewer sees it. */
export function toPost(view: PostView): Post {
  return {
    id: view.id,
    author: view.author,
    title: view.title,
    content: view.content,
    tags: view.tags,
    mentions: view.mentions,
    visibility: view.visibility,
    likeCount: view.likeCount,
    commentCount: view.commentCount,
    repostCount: view.repostCount,
    likedByMe: view.likedByMe,
    repostedByMe: view.repostedByMe,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
  }
}
