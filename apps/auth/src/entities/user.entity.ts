import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const ROLES = ['user', 'moderator', 'admin'] as const
export const STATUSES = ['active', 'banned', 'deleted'] as const

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    username: p.string().length(30),
    email: p.string().length(320).unique(),
    displayName: p.string().length(50),
    bio: p.string().length(300).default(''),
    avatarUrl: p.string().length(500).nullable(),
    passwordHash: p.string().length(60).hidden(),
    role: p.enum(ROLES).default('user'),
    status: p.enum(STATUSES).default('active'),
    emailVerifiedAt: p.datetime().nullable(),
    bannedAt: p.datetime().nullable(),
    banReason: p.string().length(500).nullable(),
    bannedUntil: p.datetime().nullable(),
    /** When the last moderation event was applied; older events arriving late are ignored. */
    moderatedAt: p.datetime().nullable(),
    followersCount: p.integer().default(0),
    followingCount: p.integer().default(0),
    postsCount: p.integer().default(0),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
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
