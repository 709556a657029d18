import {
  authorSummarySchema,
  mediaSchema as sharedMediaSchema,
  type Post,
  postSchema as sharedPostSchema,
} from '@chatty/contracts'
import { named, pageOf } from '@chatty/http'
import { z } from '@hono/zod-openapi'

import type { CommentView } from '../domain/comments.js'
import { toMedia } from '../domain/media.js'
import type { PostView } from '../domain/posts.js'

/** The text of a post or a comment: 1–1000 characters once trimmed. */
export const contentField = z
  .string()
  .trim()
  .min(1, { error: 'Must not be empty.' })
  .max(1000, { error: 'Must be at most 1000 characters.' })

export const authorSchema = named(authorSummarySchema, 'AuthorSummary')
export const mediaSchema = named(sharedMediaSchema, 'Media')
export const postSchema = sharedPostSchema
  .extend({ author: authorSchema, media: z.array(mediaSchema) })
  .openapi('Post')
export const postPageSchema = pageOf(postSchema).openapi('PostPage')

/** The API shape of a post, as its viewer sees it; its pictures' URLs start with `mediaBaseUrl`. */
export function toPost(view: PostView, mediaBaseUrl: string): Post {
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
    poll: view.poll,
    media: view.media.map((media) => toMedia(media, mediaBaseUrl)),
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
  }
}

/** Only posts renders comments, so their shape lives here rather than in libs/contracts. */
export const commentSchema = named(
  z.object({
    id: z.uuid(),
    postId: z.uuid(),
    parentId: z.uuid().nullable().describe('The comment this one replies to (it may be deleted)'),
    author: authorSchema,
    content: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  }),
  'Comment',
)
export type CommentBody = z.infer<typeof commentSchema>
export const commentPageSchema = pageOf(commentSchema).openapi('CommentPage')

export function toComment(view: CommentView): CommentBody {
  return {
    id: view.id,
    postId: view.postId,
    parentId: view.parentId,
    author: view.author,
    content: view.content,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
  }
}
