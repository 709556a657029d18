import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const USER_STATUSES = ['active', 'banned', 'deleted'] as const
export type UserStatus = (typeof USER_STATUSES)[number]

/**
 * What subscription knows about an account, learnt from auth's and admin's events. An event that
 * overtakes the account's UserRegistered creates the row without a username; such a row is
 * never shown or followable until the registration fills it in.
 */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    username: p.string().length(30).nullable(),
    displayName: p.string().length(50).default(''),
    bio: p.string().length(300).default(''),
    avatarUrl: p.string().length(500).nullable(),
    status: p.enum(USER_STATUSES).default('active'),
    /** Follow counts are not here but in `user_counters`, spread over shards. */
    postsCount: p.integer().default(0),
    /**
     * Set the first time a post of theirs skipped fan-out for having too many followers; from
     * then on readers merge the author's timeline, so posts made while above the threshold never
     * vanish from feeds when the follower count drops again.
     */
    celebrity: p.boolean().default(false),
    /**
     * Set with `celebrity`: the newest post time known when the author stopped being pushed. No
     * follower's feed holds a later post of theirs, so removing one visits no follower; null
     * means none ever reached a follower.
     */
    pushedPostsUntil: p.datetime().nullable(),
    /** The last feed read, recorded at most once an hour; decides who fan-out still writes to. */
    lastActiveAt: p.datetime().nullable(),
    /** When the last moderation event was applied; older ones arriving late are ignored. */
    moderatedAt: p.datetime().nullable(),
    /** The end of a temporary ban; once past, the account is shown again even before UserUnbanned. */
    bannedUntil: p.datetime().nullable(),
    /** When the profile shown was set (registration or update); older updates arriving late are ignored. */
    profileAt: p.datetime().nullable(),
    createdAt: p.datetime(),
  },
  uniques: [
    {
      name: 'users_username_lower_unique',
      expression:
        'create unique index "users_username_lower_unique" on "users" (lower("username"))',
    },
  ],
  indexes: [
    {
      name: 'users_celebrity_idx',
      expression: 'create index "users_celebrity_idx" on "users" ("id") where "celebrity"',
    },
  ],
})

export type UserRow = InferEntity<typeof User>
