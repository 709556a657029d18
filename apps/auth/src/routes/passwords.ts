import { inTransaction } from '@chatty/db'
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
import {
  changePassword,
  invalidResetToken,
  isResetTokenUsable,
  preparePasswordChange,
  requestPasswordReset,
  resetPassword,
  wrongCurrentPassword,
} from '../domain/password-changes.js'
import { limits } from '../domain/rate-limits.js'
import { acceptedSchema, emailField, newPasswordField } from './schemas.js'

export function passwordRoutes(ctx: AuthContext) {
  const router = createRouter()
  const deps = {
    clock: ctx.clock,
    config: ctx.config,
    passwords: ctx.passwords,
    revocationMarks: ctx.revocationMarks,
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/password/forgot',
      summary: 'Email a password reset link (answers the same whether or not the account exists)',
      request: { body: jsonBody(z.strictObject({ email: emailField })) },
      responses: {
        202: jsonContent(acceptedSchema, 'Accepted'),
        ...problems(400, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { email } = c.req.valid('json')
      await ctx.rateLimiter.hit(limits.forgotPerIp, c.get('clientIp'))
      await ctx.rateLimiter.hit(limits.forgotPerAccount, email)
      await inTransaction(ctx.orm.em, (em) =>
        requestPasswordReset(em, deps, { email, correlationId: c.get('requestId') }),
      )
      return c.json({ status: 'accepted' as const }, 202)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/password/reset',
      summary: 'Set a new password with the token from the reset link; every session ends',
      request: {
        body: jsonBody(
          z.strictObject({
            token: z.string().min(1).max(200),
            password: newPasswordField,
          }),
        ),
      },
      responses: {
        204: { description: 'Password set; every session of the account has ended' },
        ...problems(400, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { token, password } = c.req.valid('json')
      await ctx.rateLimiter.hit(limits.resetPerIp, c.get('clientIp'))
      // A dead token is refused before the slow hash is spent on its password.
      if (!(await isResetTokenUsable(ctx.orm.em.fork(), deps, { token }))) {
        throw invalidResetToken()
      }
      const passwordHash = await ctx.passwords.hash(password)
      await inTransaction(ctx.orm.em, (em) =>
        resetPassword(em, deps, { token, passwordHash, correlationId: c.get('requestId') }),
      )
      return c.body(null, 204)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/password/change',
      summary: "Change the caller's password; every other session ends",
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: {
        body: jsonBody(
          z.strictObject({
            currentPassword: z.string().min(1).max(1024),
            newPassword: newPasswordField,
          }),
        ),
      },
      responses: {
        204: { description: 'Password changed; the other sessions have ended' },
        ...problems(400, 401, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { id: userId, sessionId } = currentUser(c)
      const { currentPassword, newPassword } = c.req.valid('json')
      // Checked before the password, so a throttled account cannot be probed.
      await ctx.rateLimiter.check(limits.passwordChangeFailuresPerUser, userId)
      const prepared = await preparePasswordChange(ctx.orm.em.fork(), deps, {
        userId,
        currentPassword,
        newPassword,
      })
      if (!prepared) {
        await ctx.rateLimiter.count(limits.passwordChangeFailuresPerUser, userId)
        throw wrongCurrentPassword()
      }
      await inTransaction(ctx.orm.em, (em) =>
        changePassword(em, deps, {
          ...prepared,
          userId,
          sessionId,
          correlationId: c.get('requestId'),
        }),
      )
      return c.body(null, 204)
    },
  )

  return router
}
