import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** One login on one device; its refresh tokens form a rotation family. */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().index(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(300).nullable(),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime(),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().length(40).nullable(),
  },
})

export type SessionRow = InferEntity<typeof Session>
