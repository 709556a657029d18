import { inTransaction } from '@chatty/db'
import {
  bearerSecurity,
  createRouter,
  currentUser,
  decodeCursor,
  jsonBody,
  jsonContent,
  optionalUser,
  pageFromRows,
  pageOf,
  pageQuery,
  problems,
  requireUser,
} from '@chatty/http'
import { createRoute, z } from '@hono/zod-openapi'

import type { AuthContext } from '../context.js'
import { findOwnAccount } from '../domain/accounts.js'
import { deleteOwnAccount, wrongPassword } from '../domain/deletion.js'
import {
  AVATAR_URL_MAX_LENGTH,
  avatarUrlOf,
  findProfile,
  followRelation,
  searchProfiles,
  updateProfile,
} from '../domain/profiles.js'
import { limits } from '../domain/rate-limits.js'
import {
  bioField,
  displayNameField,
  meSchema,
  profileSchema,
  publicUserSchema,
  toMe,
  toPublicUser,
} from './schemas.js'

const searchQuery = pageQuery.extend({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe('A prefix of the username or the display name (any case); every account without it'),
})

const searchCursor = z.object({ after: z.string().min(1).max(100) })

const optionalBearer = [{}, ...bearerSecurity]

const usernameParam = z.object({ username: z.string().min(1).max(100) })

/** The avatar field: an https URL or a Chatty media URL, stored normalised; null clears it. */
function avatarUrlField(publicUrl: string) {
  return z
    .string()
    .max(AVATAR_URL_MAX_LENGTH, { error: `Must be at most ${AVATAR_URL_MAX_LENGTH} characters.` })
    .transform((value, check) => {
      const url = avatarUrlOf(value.trim(), publicUrl)
      if (url === null) {
        check.addIssue({
          code: 'custom',
          message: `Must be an https URL or a Chatty media URL (${publicUrl}/media/… or /media/…).`,
        })
        return z.NEVER
      }
      return url
    })
    .nullable()
    .describe('An https URL or a Chatty media URL (`/media/…`); null removes the avatar')
}

export function userRoutes(ctx: AuthContext) {
  const router = createRouter()
  const revocations = { clock: ctx.clock, revocationMarks: ctx.revocationMarks }

  const profileChanges = z
    .strictObject({
      displayName: displayNameField.optional(),
      bio: bioField.optional(),
      avatarUrl: avatarUrlField(ctx.config.publicUrl).optional(),
    })
    .refine((changes) => Object.keys(changes).length > 0, {
      error: 'Give at least one of displayName, bio and avatarUrl.',
    })

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/users',
      summary: 'Find accounts by a prefix of their username or display name',
      request: { query: searchQuery },
      responses: {
        200: jsonContent(pageOf(publicUserSchema), 'A page of accounts, by username'),
        ...problems(400, 422, 503),
      },
    }),
    async (c) => {
      const { limit, cursor, q } = c.req.valid('query')
      const position = decodeCursor(cursor, searchCursor)
      const users = await searchProfiles(
        ctx.orm.em.fork(),
        { clock: ctx.clock },
        { q: q || undefined, after: position?.after, limit },
      )
      return c.json(
        pageFromRows(users, limit, toPublicUser, (last) => ({
          after: last.username.toLowerCase(),
        })),
        200,
      )
    },
  )

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/api/users/me',
      summary: "Change the caller's display name, bio or avatar",
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: { body: jsonBody(profileChanges) },
      responses: {
        200: jsonContent(meSchema, 'The changed account'),
        ...problems(400, 401, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { id: userId } = currentUser(c)
      const changes = c.req.valid('json')
      await ctx.rateLimiter.hit(limits.profileWritesPerUser, userId)
      const user = await inTransaction(ctx.orm.em, (em) =>
        updateProfile(
          em,
          { clock: ctx.clock },
          {
            userId,
            changes,
            correlationId: c.get('requestId'),
          },
        ),
      )
      return c.json(toMe(user), 200)
    },
  )

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/api/users/me',
      summary: "Delete the caller's account for good (the password confirms it)",
      description:
        'Every session ends and every access token is refused at once; the profile is gone, the ' +
        'username stays taken and the email address is free to register again.',
      security: bearerSecurity,
      middleware: [requireUser(ctx.verifyAccessToken)] as const,
      request: {
        body: jsonBody(z.strictObject({ password: z.string().min(1).max(1024) })),
      },
      responses: {
        204: { description: 'Deleted' },
        ...problems(400, 401, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { id: userId } = currentUser(c)
      const { password } = c.req.valid('json')
      // Checked before the password, so a throttled account cannot be probed.
      await ctx.rateLimiter.check(limits.deletionFailuresPerUser, userId)
      const user = await findOwnAccount(ctx.orm.em.fork(), userId)
      if (!(await ctx.passwords.verify(password, user.passwordHash))) {
        await ctx.rateLimiter.count(limits.deletionFailuresPerUser, userId)
        throw wrongPassword()
      }
      await inTransaction(ctx.orm.em, (em) =>
        deleteOwnAccount(em, revocations, {
          userId,
          passwordHash: user.passwordHash,
          correlationId: c.get('requestId'),
        }),
      )
      return c.body(null, 204)
    },
  )

  router.openapi(
    createRoute({
      method: 'get',
      path: '/api/users/{username}',
      summary: 'A public profile; with a token, also how the caller and the account follow',
      security: optionalBearer,
      middleware: [optionalUser(ctx.verifyAccessToken)] as const,
      request: { params: usernameParam },
      responses: {
        200: jsonContent(profileSchema, 'The profile'),
        ...problems(401, 404, 503),
      },
    }),
    async (c) => {
      const em = ctx.orm.em.fork()
      const user = await findProfile(em, { clock: ctx.clock }, c.req.valid('param'))
      const viewer = c.get('user')
      const relation = viewer
        ? await followRelation(em, { viewerId: viewer.id, userId: user.id })
        : {}
      return c.json({ ...toPublicUser(user), ...relation }, 200)
    },
  )

  return router
}
