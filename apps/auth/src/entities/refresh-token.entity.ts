import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** A refresh token, stored as its SHA-256 hash; `rotatedAt` marks it used, so reuse is detectable. */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    id: p.uuid().primary(),
    sessionId: p.uuid().index(),
    tokenHash: p.string().length(64).unique(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    rotatedAt: p.datetime().nullable(),
  },
})

export type RefreshTokenRow = InferEntity<typeof RefreshToken>
