import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const ROLES = ['user', 'moderator', 'admin'] as const
export const STATUSES = ['active', 'banned', 'deleted'] as const

/**
 * A count summed from the account's `user_counters` shards (at most USER_COUNTER_SHARDS rows of
 * the primary key) in the query that loads the account, so every read of a user row carries its
 * counts without a query of its own.
 */
function shardedCount(
  counter: 'followers' | 'following' | 'posts',
  columns: Record<string, string>,
): string {
  if (!columns.id) throw new Error('users.id has no column to count by')
  return `(select greatest(coalesce(sum("c"."${counter}"), 0), 0)::int from "user_counters" as "c" where "c"."user_id" = ${columns.id})`
}

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
    followersCount: p
      .integer()
      .formula((columns) => shardedCount('followers', columns))
      .persist(false),
    followingCount: p
      .integer()
      .formula((columns) => shardedCount('following', columns))
      .persist(false),
    /** Live posts, from PostCreated and PostDeleted (`authored_posts`, `movePostCount`). */
    postsCount: p
      .integer()
      .formula((columns) => shardedCount('posts', columns))
      .persist(false),
    /** When the role of the last applied UserRoleChanged was decided; older ones are ignored. */
    roleChangedAt: p.datetime().nullable(),
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
  // Profile search matches a prefix of either name in any case (LIKE 'prefix%' on lower()).
  indexes: [
    {
      name: 'users_username_prefix_index',
      expression:
        'create index "users_username_prefix_index" on "users" (lower("username") text_pattern_ops)',
    },
    {
      name: 'users_display_name_prefix_index',
      expression:
        'create index "users_display_name_prefix_index" on "users" (lower("display_name") text_pattern_ops)',
    },
  ],
})

export type UserRow = InferEntity<typeof User>
