import { inTransaction } from '@chatty/db'
import { createRouter, jsonBody, jsonContent, problems } from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { AuthContext } from '../context.js'
import {
  type AccountDeps,
  type PasswordDeps,
  prepareRegistration,
  registerAccount,
  resendVerificationCode,
  verifyEmail,
} from '../domain/accounts.js'
import { limits } from '../domain/rate-limits.js'
import {
  acceptedSchema,
  displayNameField,
  emailField,
  meSchema,
  newPasswordField,
  toMe,
  usernameField,
} from './schemas.js'

export function registrationRoutes(ctx: AuthContext) {
  const router = createRouter()
  const accounts: AccountDeps & PasswordDeps = {
    clock: ctx.clock,
    config: ctx.config,
    passwords: ctx.passwords,
  }

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/register',
      summary: 'Create an account; a verification code is emailed',
      request: {
        body: jsonBody(
          z.strictObject({
            username: usernameField,
            email: emailField,
            password: newPasswordField,
            displayName: displayNameField.optional(),
          }),
        ),
      },
      responses: {
        201: jsonContent(meSchema, 'The new account'),
        ...problems(400, 409, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      await ctx.rateLimiter.hit(limits.registerPerIp, c.get('clientIp'))
      const prepared = await prepareRegistration(ctx.orm.em.fork(), accounts, c.req.valid('json'))
      const user = await inTransaction(ctx.orm.em, (em) =>
        registerAccount(em, accounts, { ...prepared, correlationId: c.get('requestId') }),
      )
      return c.json(toMe(user), 201)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/verify-email',
      summary: 'Verify the email address with the 6-digit code',
      request: {
        body: jsonBody(
          z.strictObject({
            email: emailField,
            code: z.string().regex(/^\d{6}$/, { error: 'The code is 6 digits.' }),
          }),
        ),
      },
      responses: {
        200: jsonContent(meSchema, 'The verified account (also when it was verified already)'),
        ...problems(400, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { email, code } = c.req.valid('json')
      await ctx.rateLimiter.hit(limits.verifyPerIp, c.get('clientIp'))
      await ctx.rateLimiter.hit(limits.verifyPerAccount, email)
      const outcome = await inTransaction(ctx.orm.em, (em) =>
        verifyEmail(em, accounts, { email, code, correlationId: c.get('requestId') }),
      )
      if ('refused' in outcome) throw outcome.refused
      return c.json(toMe(outcome.verified), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/verify-email/resend',
      summary: 'Send a new verification code (answers the same whether or not the account exists)',
      request: { body: jsonBody(z.strictObject({ email: emailField })) },
      responses: {
        202: jsonContent(acceptedSchema, 'Accepted'),
        ...problems(400, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { email } = c.req.valid('json')
      await ctx.rateLimiter.hit(limits.resendPerIp, c.get('clientIp'))
      await ctx.rateLimiter.hit(limits.resendPerAccount, email)
      await inTransaction(ctx.orm.em, (em) =>
        resendVerificationCode(em, accounts, { email, correlationId: c.get('requestId') }),
      )
      return c.json({ status: 'accepted' as const }, 202)
    },
  )

  return router
}
