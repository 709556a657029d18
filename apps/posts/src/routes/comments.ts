import { inTransaction } from '@chatty/db'
import { NotFoundError } from '@chatty/domain'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  jsonBody,
  jsonContent,
  optionalUser,
  pageFromRows,
  pageQuery,
  problems,
  requireUser,
  requireVerifiedEmail,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { PostsContext } from '../context.js'
import { createComment, deleteComment, editComment, findPostComments } from '../domain/comments.js'
import { findVisiblePost } from '../domain/posts.js'
import { limits } from '../domain/rate-limits.js'
import { commentPageSchema, commentSchema, contentField, toComment } from './schemas.js'

const newCommentBody = z.strictObject({
  content: contentField,
  parentId: z.uuid({ error: 'Must be the id of a comment.' }).optional(),
})

const commentChanges = z.strictObject({ content: contentField })

const cursorSchema = z.object({ t: z.iso.datetime(), id: z.uuid() })

const postParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

const commentParams = postParams.extend({
  commentId: z.string().openapi({ param: { name: 'commentId', in: 'path' }, format: 'uuid' }),
})

const optionalBearer = [{}, ...bearerSecurity]

export function commentRoutes(ctx: PostsContext) {
  const router = createRouter()
  const deps = { clock: ctx.clock }

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/posts/{id}/comments',
      summary: 'The comments of a post the caller may see, oldest first',
      security: optionalBearer,
      middleware: [optionalUser(ctx.verifyAccessToken)] as const,
      request: { params: postParams, query: pageQuery },
      responses: {
        200: jsonContent(commentPageSchema, 'A page of comments'),
        ...problems(400, 401, 404, 422, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const query = c.req.valid('query')
      const em = ctx.orm.em.fork()
      // One instant for the standing of the post's author and of the commenters.
      const now = ctx.clock()
      const asOfNow = { clock: () => now }
      const post = await findVisiblePost(em, asOfNow, { viewer: c.get('user'), id })
      if (!post) throw new NotFoundError('No such post.')
      const after = decodeCursor(query.cursor, cursorSchema)
      const comments = await findPostComments(em, asOfNow, {
        postId: post.id,
        after: after && { createdAt: new Date(after.t), id: after.id },
        limit: query.limit + 1,
      })
      const page = pageFromRows(comments, query.limit, toComment, (last) => ({
        t: last.createdAt.toISOString(),
        id: last.id,
      }))
      return c.json(page, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/posts/{id}/comments',
      summary: 'Comment on a post, or reply to one of its comments; @mentions are read',
      security: bearerSecurity,
      middleware: [
        requireUser(ctx.verifyAccessToken),
        requireVerifiedEmail(ctx.config.requireVerifiedEmail),
      ] as const,
      request: { params: postParams, body: jsonBody(newCommentBody) },
      responses: {
        201: jsonContent(commentSchema, 'The new comment'),
        ...problems(400, 401, 403, 404, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const user = currentUser(c)
      await ctx.rateLimiter.hit(limits.commentPerUser, user.id)
      const input = {
        user,
        postId: c.req.valid('param').id,
        comment: c.req.valid('json'),
        correlationId: c.get('requestId'),
      }
      const comment = await inTransaction(ctx.orm.em, (em) => createComment(em, deps, input))
      return c.json(toComment(comment), 201)
    },
  )

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/posts/{id}/comments/{commentId}',
      summary: 'Change a comment’s text (its author only)',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: { params: commentParams, body: jsonBody(commentChanges) },
      responses: {
        200: jsonContent(commentSchema, 'The changed comment'),
        ...problems(400, 401, 403, 404, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { id, commentId } = c.req.valid('param')
      const user = currentUser(c)
      await ctx.rateLimiter.hit(limits.editPerUser, user.id)
      const input = {
        user,
        postId: id,
        commentId,
        content: c.req.valid('json').content,
        correlationId: c.get('requestId'),
      }
      const comment = await inTransaction(ctx.orm.em, (em) => editComment(em, deps, input))
      return c.json(toComment(comment), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/posts/{id}/comments/{commentId}',
      summary: 'Delete a comment (its author, the post’s author, a moderator or an admin)',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: { params: commentParams },
      responses: {
        204: { description: 'Deleted' },
        ...problems(401, 403, 404, 503),
      },
    }),
    async (c) => {
      const { id, commentId } = c.req.valid('param')
      const input = {
        user: currentUser(c),
        postId: id,
        commentId,
        correlationId: c.get('requestId'),
      }
      await inTransaction(ctx.orm.em, (em) => deleteComment(em, deps, input))
      return c.body(null, 204)
    },
  )

  return router
}
