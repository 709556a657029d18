import { pollSchema as sharedPollSchema } from '@chatty/contracts'
import { inTransaction } from '@chatty/db'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  jsonBody,
  jsonContent,
  named,
  problems,
  requireUser,
  requireVerifiedEmail,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { PostsContext } from '../context.js'
import { castVote } from '../domain/polls.js'
import { limits } from '../domain/rate-limits.js'

/** 5 minutes to 7 days. */
const MIN_POLL_MINUTES = 5
const MAX_POLL_MINUTES = 10_080

/** `poll` of a new post: 2–4 distinct options (compared ignoring case), 5 minutes to 7 days. */
export const newPollBody = z
  .strictObject({
    options: z
      .array(
        z
          .string()
          .trim()
          .min(1, { error: 'Must not be empty.' })
          .max(80, { error: 'Must be at most 80 characters.' }),
      )
      .min(2, { error: 'Give at least 2 options.' })
      .max(4, { error: 'Give at most 4 options.' })
      .refine(
        (options) => new Set(options.map((option) => option.toLowerCase())).size === options.length,
        { error: 'Options must differ from each other.' },
      ),
    expiresInMinutes: z
      .int({ error: 'A whole number of minutes.' })
      .min(MIN_POLL_MINUTES, { error: `At least ${MIN_POLL_MINUTES} minutes.` })
      .max(MAX_POLL_MINUTES, { error: `At most ${MAX_POLL_MINUTES} minutes (7 days).` }),
    multiple: z.boolean().default(false).describe('Whether a voter may choose several options'),
  })
  .openapi('NewPoll')

const voteBody = z.strictObject({
  choices: z
    .array(z.int({ error: 'An option index.' }))
    .max(100)
    .describe('Option indexes from 0; exactly one unless the poll is `multiple`'),
})

const pollSchema = named(sharedPollSchema, 'Poll')

const idParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

export function pollRoutes(ctx: PostsContext) {
  const router = createRouter()
  const deps = { clock: ctx.clock }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/posts/{id}/poll/votes',
      summary: 'Vote in the poll of a post, once',
      security: bearerSecurity,
      middleware: [
        requireUser(ctx.verifyAccessToken),
        requireVerifiedEmail(ctx.config.requireVerifiedEmail),
      ] as const,
      request: { params: idParams, body: jsonBody(voteBody) },
      responses: {
        200: jsonContent(pollSchema, 'The poll with the vote counted'),
        ...problems(400, 401, 403, 404, 409, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const user = currentUser(c)
      // Votes are reactions: they share the likes' and reposts' rate limit.
      await ctx.rateLimiter.hit(limits.reactPerUser, user.id)
      const input = {
        user,
        postId: c.req.valid('param').id,
        choices: c.req.valid('json').choices,
        correlationId: c.get('requestId'),
      }
      const poll = await inTransaction(ctx.orm.em, (em) => castVote(em, deps, input))
      return c.json(poll, 200)
    },
  )

  return router
}
