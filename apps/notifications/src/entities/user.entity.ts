import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const USER_STATUSES = ['active', 'banned', 'deleted'] as const

/**
 * What notifications knows about an account, learnt from auth's and admin's events: the name and
 * avatar an actor is shown with, and its standing. An event that overtakes the account's
 * UserRegistered creates the row without a username; such an actor is not shown until the
 * registration fills it in.
 */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    username: p.string().length(30).nullable(),
    displayName: p.string().length(50).default(''),
    avatarUrl: p.string().length(500).nullable(),
    status: p.enum(USER_STATUSES).default('active'),
    /** The end of a temporary ban. */
    bannedUntil: p.datetime().nullable(),
    /** When the last moderation event was applied; older ones arriving late are ignored. */
    moderatedAt: p.datetime().nullable(),
    /** When the profile shown was set; older updates arriving late are ignored. */
    profileAt: p.datetime().nullable(),
  },
  uniques: [
    {
      name: 'users_username_lower_unique',
      expression:
        'create unique index "users_username_lower_unique" on "users" (lower("username"))',
    },
  ],
})

export type UserRow = InferEntity<typeof User>
