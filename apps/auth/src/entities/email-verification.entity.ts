import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/** The pending verification code of a user (one at a time; a resend replaces it). */
export const EmailVerification = defineEntity({
  name: 'EmailVerification',
  tableName: 'email_verifications',
  properties: {
    userId: p.uuid().primary(),
    codeHash: p.string().length(64),
    attempts: p.integer().default(0),
    expiresAt: p.datetime(),
    createdAt: p.datetime(),
  },
})

export type EmailVerificationRow = InferEntity<typeof EmailVerification>
