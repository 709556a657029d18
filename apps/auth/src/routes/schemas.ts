import { type PublicUser, publicUserSchema as sharedPublicUser } from '@chatty/contracts'
import { named } from '@chatty/http'
import { z } from '@hono/zod-openapi'

import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES, passwordByteLength } from '../domain/passwords.js'
import type { SessionSummary } from '../domain/sessions.js'
import { isReservedUsername, USERNAME_PATTERN } from '../domain/usernames.js'
import { ROLES, STATUSES, type UserRow } from '../entities/user.entity.js'

export const publicUserSchema = named(sharedPublicUser, 'PublicUser')

export const meSchema = publicUserSchema
  .extend({
    email: z.string(),
    emailVerified: z.boolean(),
    role: z.enum(ROLES),
    status: z.enum(STATUSES),
  })
  .openapi('Me')

export const tokensSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Seconds until the access token expires'),
    user: meSchema,
  })
  .openapi('Tokens')

export type Me = z.infer<typeof meSchema>

export function toPublicUser(user: UserRow): PublicUser {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    bio: user.bio,
    avatarUrl: user.avatarUrl ?? null,
    createdAt: user.createdAt.toISOString(),
    followersCount: user.followersCount,
    followingCount: user.followingCount,
    postsCount: user.postsCount,
  }
}

export function toMe(user: UserRow): Me {
  return {
    ...toPublicUser(user),
    email: user.email,
    emailVerified: user.emailVerifiedAt != null,
    role: user.role,
    status: user.status,
  }
}

export const emailField = z
  .email({ error: 'Must be a valid email address.' })
  .max(320)
  .transform((email) => email.toLowerCase())

export const usernameField = z
  .string()
  .regex(USERNAME_PATTERN, { error: 'Use 3–30 letters, digits or underscores.' })
  .refine((username) => !isReservedUsername(username), { error: 'This username is reserved.' })

export const newPasswordField = z
  .string()
  .refine((password) => passwordByteLength(password) >= PASSWORD_MIN_BYTES, {
    error: `Must be at least ${PASSWORD_MIN_BYTES} bytes long.`,
  })
  .refine((password) => passwordByteLength(password) <= PASSWORD_MAX_BYTES, {
    error: `Must be at most ${PASSWORD_MAX_BYTES} bytes long (UTF-8).`,
  })

export const displayNameField = z
  .string()
  .trim()
  .min(1, { error: 'Must not be empty.' })
  .max(50, { error: 'Must be at most 50 characters.' })
  .refine((name) => !/\p{Cc}/u.test(name), { error: 'Must not contain control characters.' })

export const acceptedSchema = z.object({ status: z.literal('accepted') }).openapi('Accepted')

export const sessionSchema = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    current: z.boolean().describe('The session of the access token this request was made with'),
  })
  .openapi('Session')

export const sessionListSchema = z.object({ items: z.array(sessionSchema) }).openapi('SessionList')

export function toSession(session: SessionSummary, currentSessionId: string) {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    ip: session.ip ?? null,
    userAgent: session.userAgent ?? null,
    current: session.id === currentSessionId,
  }
}

export const profileSchema = publicUserSchema
  .extend({
    following: z
      .boolean()
      .optional()
      .describe('Whether the caller follows this account (only when a token is sent)'),
    followedBy: z
      .boolean()
      .optional()
      .describe('Whether this account follows the caller (only when a token is sent)'),
  })
  .openapi('Profile')

export const bioField = z
  .string()
  .trim()
  .max(300, { error: 'Must be at most 300 characters.' })
  // Line breaks and tabs are text; other control characters are not.
  .refine((bio) => !/[^\P{Cc}\n\r\t]/u.test(bio), {
    error: 'Must not contain control characters other than line breaks and tabs.',
  })
