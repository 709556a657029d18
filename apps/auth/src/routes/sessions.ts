import { inTransaction } from '@chatty/db'
import { UnauthorizedError } from '@chatty/domain'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  jsonBody,
  jsonContent,
  problems,
  requireUser,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { AuthContext } from '../context.js'
import { findByLogin } from '../domain/accounts.js'
import { limits } from '../domain/rate-limits.js'
import {
  endAllSessions,
  endOwnSession,
  endSessionOfRefreshToken,
  type IssuedTokens,
  listLiveSessions,
  openSession,
  type RevocationDeps,
  rotateRefreshToken,
  type SessionDeps,
} from '../domain/sessions.js'
import { normalizeLogin } from '../domain/usernames.js'
import { sessionListSchema, tokensSchema, toMe, toSession } from './schemas.js'

const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) })

/** A path id; anything that is not a session of the caller is a 404, malformed ids included. */
const sessionIdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

function tokensBody(issued: IssuedTokens) {
  return {
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    tokenType: 'Bearer' as const,
    expiresIn: issued.expiresIn,
    user: toMe(issued.user),
  }
}

export function sessionRoutes(ctx: AuthContext) {
  const router = createRouter()
  const sessions: SessionDeps & RevocationDeps = {
    clock: ctx.clock,
    signer: ctx.signer,
    revocationMarks: ctx.revocationMarks,
    config: ctx.config,
  }
  const invalidCredentials = () =>
    new UnauthorizedError('The login or the password is wrong.', 'invalid-credentials')
  const invalidRefreshToken = () =>
    new UnauthorizedError(
      'The refresh token is invalid, expired or revoked.',
      'invalid-refresh-token',
    )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with username or email and password',
      request: {
        body: jsonBody(
          z.strictObject({
            login: z.string().trim().min(1).max(320),
            password: z.string().min(1).max(1024),
          }),
        ),
      },
      responses: {
        200: jsonContent(tokensSchema, 'Tokens for a new session'),
        ...problems(400, 401, 403, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { login, password } = c.req.valid('json')
      await ctx.rateLimiter.hit(limits.loginPerIp, c.get('clientIp'))
      const user = await findByLogin(ctx.orm.em.fork(), login)
      // Failures count per account, whichever of its names is typed; unknown names count by name.
      const account = user?.id ?? normalizeLogin(login)
      await ctx.rateLimiter.check(limits.loginFailuresPerAccount, account)
      const passwordMatches = user
        ? await ctx.passwords.verify(password, user.passwordHash)
        : (await ctx.passwords.verifyAgainstNothing(password), false)
      if (!user || !passwordMatches || user.status === 'deleted') {
        await ctx.rateLimiter.count(limits.loginFailuresPerAccount, account)
        throw invalidCredentials()
      }
      await ctx.rateLimiter.reset(limits.loginFailuresPerAccount, account)
      const client = { ip: c.get('clientIp'), userAgent: c.req.header('user-agent') ?? null }
      const issued = await inTransaction(ctx.orm.em, (em) =>
        openSession(em, sessions, { userId: user.id, client }),
      )
      return c.json(tokensBody(issued), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/refresh',
      summary: 'Exchange a refresh token for new tokens (the old refresh token dies)',
      request: { body: jsonBody(refreshBody) },
      responses: {
        200: jsonContent(tokensSchema, 'New tokens'),
        ...problems(400, 401, 415, 422, 503),
      },
    }),
    async (c) => {
      const { refreshToken } = c.req.valid('json')
      const issued = await inTransaction(ctx.orm.em, (em) =>
        rotateRefreshToken(em, sessions, { refreshToken }),
      )
      if (!issued) throw invalidRefreshToken()
      return c.json(tokensBody(issued), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/logout',
      summary: "End the refresh token's session; its access tokens stop working too",
      request: { body: jsonBody(refreshBody) },
      responses: { 204: { description: 'Logged out' }, ...problems(400, 415, 422, 503) },
    }),
    async (c) => {
      const { refreshToken } = c.req.valid('json')
      await inTransaction(ctx.orm.em, (em) =>
        endSessionOfRefreshToken(em, sessions, { refreshToken }),
      )
      return c.body(null, 204)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/logout-all',
      summary: 'End every session of the caller',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      responses: { 204: { description: 'All sessions ended' }, ...problems(401, 503) },
    }),
    async (c) => {
      const { id: userId } = currentUser(c)
      await inTransaction(ctx.orm.em, (em) => endAllSessions(em, sessions, { userId }))
      return c.body(null, 204)
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/sessions',
      summary: "The caller's live sessions, the most recently used first",
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      responses: {
        200: jsonContent(sessionListSchema, 'Sessions not ended and not expired'),
        ...problems(401, 503),
      },
    }),
    async (c) => {
      const { id: userId, sessionId } = currentUser(c)
      const live = await listLiveSessions(ctx.orm.em.fork(), sessions, { userId })
      return c.json({ items: live.map((session) => toSession(session, sessionId)) }, 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/auth/sessions/{id}',
      summary: "End one of the caller's sessions; its access token stops working at once",
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: { params: sessionIdParam },
      responses: { 204: { description: 'Session ended' }, ...problems(401, 404, 503) },
    }),
    async (c) => {
      const { id: userId } = currentUser(c)
      const { id: sessionId } = c.req.valid('param')
      await inTransaction(ctx.orm.em, (em) => endOwnSession(em, sessions, { userId, sessionId }))
      return c.body(null, 204)
    },
  )

  return router
}
