import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const AUTHOR_STATUSES = ['active', 'banned', 'deleted'] as const
export type AuthorStatus = (typeof AUTHOR_STATUSES)[number]

/**
 * posts' projection of auth's users, from events. A row may exist before its UserRegistered
 * arrives (a ban, a profile update or a post got here first), so the profile columns are nullable.
 */
export const Author = defineEntity({
  name: 'Author',
  tableName: 'authors',
  properties: {
    id: p.uuid().primary(),
    username: p.string().length(30).nullable(),
    displayName: p.string().length(50).nullable(),
    avatarUrl: p.string().length(500).nullable(),
    bio: p.text().nullable(),
    /** From UserRegistered: the account's `createdAt` in the lists posts shows (likers). */
    registeredAt: p.datetime().nullable(),
    status: p.enum(AUTHOR_STATUSES).default('active'),
    /** A temporary ban ends by itself at this time. */
    bannedUntil: p.datetime().nullable(),
    /** When the last ban, unban or deletion happened; older moderation events are ignored. */
    moderatedAt: p.datetime().nullable(),
    /** When the profile columns were last set from an event; older profile events are ignored. */
    profileAt: p.datetime().nullable(),
    /**
     * The standing changed and the account's likes, reposts and comments are still being counted
     * out of (or back into) their posts' counts, in batches (`domain/standing-walk.ts`).
     */
    contributionsPending: p.boolean().default(false),
    updatedAt: p.datetime(),
  },
  indexes: [
    {
      name: 'authors_contributions_pending_idx',
      properties: ['id'],
      where: 'contributions_pending',
    },
    {
      name: 'authors_username_lower_idx',
      expression: 'create index "authors_username_lower_idx" on "authors" (lower("username"))',
    },
  ],
})

export type AuthorRow = InferEntity<typeof Author>
