import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * The pending password reset of a user (one at a time; a newer request replaces it), stored as
 * the SHA-256 hash of its token. Using it deletes the row, so a token works once.
 */
export const PasswordReset = defineEntity({
  name: 'PasswordReset',
  tableName: 'password_resets',
  properties: {
    userId: p.uuid().primary(),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime(),
    createdAt: p.datetime(),
  },
})

export type PasswordResetRow = InferEntity<typeof PasswordReset>
