import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const ROLES = ['user', 'moderator', 'admin'] as const
export const STATUSES = ['active', 'banned', 'deleted'] as const
export type Role = (typeof ROLES)[number]
export type Status = (typeof STATUSES)[number]

/**
 * admin's view of an account: profile and role come from auth's events, the ban state is owned
 * here (admin decides bans and announces them). An event that overtakes the account's
 * UserRegistered creates a placeholder without username and email, hidden until the registration
 * fills it in.
 */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    /** Null while the row is a placeholder (UserRegistered not applied yet). */
    username: p.string().length(30).nullable(),
    email: p.string().length(320).nullable(),
    displayName: p.string().length(50).nullable(),
    role: p.enum(ROLES).default('user'),
    status: p.enum(STATUSES).default('active'),
    emailVerified: p.boolean().default(false),
    createdAt: p.datetime(),
    bannedAt: p.datetime().nullable(),
    banReason: p.string().length(500).nullable(),
    bannedUntil: p.datetime().nullable(),
    /** When the applied profile / role events happened, so a late older one is ignored. */
    profileUpdatedAt: p.datetime().nullable(),
    roleChangedAt: p.datetime().nullable(),
    updatedAt: p.datetime(),
  },
  indexes: [
    { name: 'users_created_at_id_index', properties: ['createdAt', 'id'] },
    { name: 'users_status_index', properties: ['status'] },
  ],
})

export type UserRow = InferEntity<typeof User>

/** An account whose UserRegistered has been applied. */
export type RegisteredUserRow = UserRow & { username: string; email: string; displayName: string }
