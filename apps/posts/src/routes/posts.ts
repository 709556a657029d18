import { visibilitySchema } from '@chatty/contracts'
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
import { findAuthorByUsername } from '../domain/authors.js'
import { MEDIA_PER_POST } from '../domain/media.js'
import {
  createPost,
  deletePost,
  editPost,
  findVisiblePost,
  findVisiblePosts,
  type PostOrder,
  type PostView,
} from '../domain/posts.js'
import { limits } from '../domain/rate-limits.js'
import { removeMediaOfDeletedPost } from '../jobs/media-cleanup.js'
import { newPollBody } from './polls.js'
import { contentField, postPageSchema, postSchema, toPost } from './schemas.js'

const titleField = z
  .string()
  .trim()
  .max(100, { error: 'Must be at most 100 characters.' })
  .nullable()

const newPostBody = z.strictObject({
  content: contentField,
  title: titleField.optional().transform((title) => title || null),
  visibility: visibilitySchema.default('public'),
  poll: newPollBody.optional().describe('A poll; it cannot be changed afterwards'),
  mediaIds: z
    .array(z.string())
    .max(MEDIA_PER_POST, { error: `At most ${MEDIA_PER_POST} pictures.` })
    .optional()
    .describe('Your own uploads (POST /api/media) not attached to a post yet, in order'),
})

const postChanges = z
  .strictObject({
    content: contentField.optional(),
    title: titleField
      .optional()
      .transform((title) => (title === undefined ? undefined : title || null))
      .describe('A blank title or null removes it'),
    visibility: visibilitySchema.optional(),
  })
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), {
    error: 'Give at least one of content, title and visibility.',
  })

/** Longer queries are refused: nobody types them, and each word costs an index lookup. */
const SEARCH_MAX_LENGTH = 200

const listQuery = pageQuery.extend({
  author: z.string().min(1).max(30).optional().describe('Username; 404 when no such author'),
  tag: z
    .string()
    .regex(/^#?[A-Za-z0-9_]{1,50}$/, { error: 'A tag is 1–50 letters, digits or underscores.' })
    .transform((tag) => tag.replace(/^#/, '').toLowerCase())
    .optional(),
  sort: z
    .enum(['recent', 'popular'], { error: 'Sort by "recent" or "popular".' })
    .optional()
    .describe('Default: best matches first with `q`, else newest first'),
  q: z
    .string()
    .max(SEARCH_MAX_LENGTH, { error: `At most ${SEARCH_MAX_LENGTH} characters.` })
    .optional()
    .describe('Full-text search over title and content: words, "a phrase", -excluded'),
  likedBy: z
    .string()
    .min(1)
    .max(30)
    .optional()
    .describe('Username; the posts that account likes, newest like first; 404 when no such user'),
})

/** One cursor shape per order, strict so that a cursor from another order is refused. */
const cursorSchemas = {
  recent: z.strictObject({ t: z.iso.datetime(), id: z.uuid() }),
  popular: z.strictObject({ likes: z.int().min(0), t: z.iso.datetime(), id: z.uuid() }),
  relevance: z.strictObject({ rank: z.number().min(0), t: z.iso.datetime(), id: z.uuid() }),
}

/** The order a list asked for, continuing after `cursor`. */
function orderOf(sort: 'recent' | 'popular' | 'relevance', cursor: string | undefined): PostOrder {
  switch (sort) {
    case 'recent': {
      const after = decodeCursor(cursor, cursorSchemas.recent)
      return { by: sort, after: after && { createdAt: new Date(after.t), id: after.id } }
    }
    case 'popular': {
      const after = decodeCursor(cursor, cursorSchemas.popular)
      const position = after && {
        likeCount: after.likes,
        createdAt: new Date(after.t),
        id: after.id,
      }
      return { by: sort, after: position }
    }
    case 'relevance': {
      const after = decodeCursor(cursor, cursorSchemas.relevance)
      const position = after && { rank: after.rank, createdAt: new Date(after.t), id: after.id }
      return { by: sort, after: position }
    }
  }
}

/** Where the next page starts, in the shape `orderOf` reads for the same order. */
function positionOf(order: PostOrder, last: PostView): object {
  switch (order.by) {
    case 'recent':
      return { t: (last.likedAt ?? last.createdAt).toISOString(), id: last.id }
    case 'popular':
      return { likes: last.likeCount, t: last.createdAt.toISOString(), id: last.id }
    case 'relevance':
      return { rank: last.rank ?? 0, t: last.createdAt.toISOString(), id: last.id }
  }
}

const idParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

const optionalBearer = [{}, ...bearerSecurity]

export function postRoutes(ctx: PostsContext) {
  const router = createRouter()
  const deps = { clock: ctx.clock }
  const render = (view: PostView) => toPost(view, ctx.config.media.baseUrl)

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/posts',
      summary: 'Publish a post; #tags and @mentions are read from the content',
      security: bearerSecurity,
      middleware: [
        requireUser(ctx.verifyAccessToken),
        requireVerifiedEmail(ctx.config.requireVerifiedEmail),
      ] as const,
      request: { body: jsonBody(newPostBody) },
      responses: {
        201: jsonContent(postSchema, 'The new post'),
        ...problems(400, 401, 403, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const user = currentUser(c)
      await ctx.rateLimiter.hit(limits.createPerUser, user.id)
      const input = { user, post: c.req.valid('json'), correlationId: c.get('requestId') }
      const post = await inTransaction(ctx.orm.em, (em) =>
        createPost(em, { ...deps, media: ctx.config.media }, input),
      )
      return c.json(render(post), 201)
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/posts',
      summary:
        'Posts the caller may see, optionally by one author, with one tag, liked by one account or matching a search; newest, most liked or best matching first',
      security: optionalBearer,
      middleware: [optionalUser(ctx.verifyAccessToken)] as const,
      request: { query: listQuery },
      responses: {
        200: jsonContent(postPageSchema, 'A page of posts'),
        ...problems(400, 401, 404, 422, 503),
      },
    }),
    async (c) => {
      const query = c.req.valid('query')
      const em = ctx.orm.em.fork()
      // One instant for the author's standing and for their posts'.
      const now = ctx.clock()
      const asOfNow = { clock: () => now }
      const accountId = async (username: string | undefined) => {
        if (username === undefined) return undefined
        const account = await findAuthorByUsername(em, asOfNow, { username })
        if (!account) throw new NotFoundError('No such user.')
        return account.id
      }
      const authorId = await accountId(query.author)
      const likedById = await accountId(query.likedBy)
      const order = orderOf(
        query.sort ?? (query.q === undefined ? 'recent' : 'relevance'),
        query.cursor,
      )
      const posts = await findVisiblePosts(em, asOfNow, {
        viewer: c.get('user'),
        authorId,
        tag: query.tag,
        likedById,
        search: query.q,
        order,
        limit: query.limit + 1,
      })
      const page = pageFromRows(posts, query.limit, render, (last) => positionOf(order, last))
      return c.json(page, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/posts/{id}',
      summary: 'One post, if the caller may see it',
      security: optionalBearer,
      middleware: [optionalUser(ctx.verifyAccessToken)] as const,
      request: { params: idParams },
      responses: {
        200: jsonContent(postSchema, 'The post'),
        ...problems(401, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const post = await findVisiblePost(ctx.orm.em.fork(), deps, { viewer: c.get('user'), id })
      if (!post) throw new NotFoundError('No such post.')
      return c.json(render(post), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/posts/{id}',
      summary: 'Change a post’s text, title or visibility (its author only)',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: { params: idParams, body: jsonBody(postChanges) },
      responses: {
        200: jsonContent(postSchema, 'The changed post'),
        ...problems(400, 401, 403, 404, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const user = currentUser(c)
      await ctx.rateLimiter.hit(limits.editPerUser, user.id)
      const input = {
        user,
        id: c.req.valid('param').id,
        changes: c.req.valid('json'),
        correlationId: c.get('requestId'),
      }
      const post = await inTransaction(ctx.orm.em, (em) => editPost(em, deps, input))
      return c.json(render(post), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/posts/{id}',
      summary: 'Delete a post (its author, a moderator or an admin)',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: { params: idParams },
      responses: {
        204: { description: 'Deleted' },
        ...problems(401, 403, 404, 503),
      },
    }),
    async (c) => {
      const input = {
        user: currentUser(c),
        id: c.req.valid('param').id,
        correlationId: c.get('requestId'),
      }
      await inTransaction(ctx.orm.em, (em) => deletePost(em, deps, input))
      await removeMediaOfDeletedPost({ em: ctx.orm.em, store: ctx.mediaStore }, input.id)
      return c.body(null, 204)
    },
  )

  return router
}
