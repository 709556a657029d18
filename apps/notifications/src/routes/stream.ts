import { UnauthorizedError } from '@chatty/domain'
import {
  type AuthUser,
  bearerSecurity,
  bearerToken,
  createRouter,
  currentUser,
  jsonContent,
  problems,
  requireUser,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { NotificationsContext } from '../context.js'
import { unreadCount } from '../domain/notifications.js'
import { issueStreamTicket, redeemStreamTicket } from '../domain/stream-tickets.js'
import { streamTicketSchema } from './schemas.js'

const streamQuery = z.object({
  ticket: z.string().max(100).optional().openapi({
    description: 'A ticket from POST /api/notifications/stream-ticket, instead of a token',
  }),
})

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx's location already says so; this keeps any other proxy in front from buffering too.
  'x-accel-buffering': 'no',
}

export function streamRoutes(ctx: NotificationsContext) {
  const router = createRouter()
  const authenticated = requireUser(ctx.verifyAccessToken)

  /** The stream's user: the bearer token's, else the ticket's (used up here). */
  async function streamUser(bearer: string | undefined, ticket: string | undefined) {
    if (bearer) return ctx.verifyAccessToken(bearer)
    if (!ticket) throw new UnauthorizedError()
    const user: AuthUser | undefined = await redeemStreamTicket(ctx.redis, ticket)
    if (!user) throw new UnauthorizedError('The ticket is unknown, expired or used already.')
    const [revoked] = await ctx.streams.revoked([user])
    if (revoked) throw new UnauthorizedError('This session has ended.')
    return user
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/notifications/stream-ticket',
      summary: 'A single-use ticket (60 s) to open the stream without an Authorization header',
      security: bearerSecurity,
      middleware: [authenticated] as const,
      responses: {
        201: jsonContent(streamTicketSchema, 'The ticket'),
        ...problems(401, 503),
      },
    }),
    async (c) => {
      const expiresIn = ctx.config.stream.ticketTtlSeconds
      const ticket = await issueStreamTicket(ctx.redis, currentUser(c), expiresIn)
      return c.json({ ticket, expiresIn }, 201)
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/notifications/stream',
      summary: 'Your notifications, live, as server-sent events',
      description:
        'Authenticated by the Authorization header or by `?ticket=`. Events: `notification` ' +
        '(data: a Notification), `unread-count` (data: `{ count }`, first when the stream opens ' +
        'and after every change), and a comment line every 25 s. The stream ends when the ' +
        'session is revoked or the account banned.',
      security: [...bearerSecurity, {}],
      request: { query: streamQuery },
      responses: {
        200: {
          description: 'The event stream',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        ...problems(401, 503),
      },
    }),
    async (c) => {
      const user = await streamUser(bearerToken(c), c.req.valid('query').ticket)
      const body = await ctx.streams.open(
        user,
        async () => [
          { event: 'unread-count', data: { count: await unreadCount(ctx.orm.em.fork(), user.id) } },
        ],
        c.req.raw.signal,
      )
      return new Response(body, { status: 200, headers: STREAM_HEADERS }) as never
    },
  )

  return router
}
