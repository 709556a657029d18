import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const EMAIL_STATUSES = ['delivered', 'failed'] as const

/** The outcome of each email sent to a user, as the email consumer reported it. */
export const Email = defineEntity({
  name: 'Email',
  tableName: 'emails',
  properties: {
    emailId: p.uuid().primary(),
    userId: p.uuid().nullable(),
    to: p.string().length(320),
    /** Free text rather than an enum: a template added to the contract must not break the consumer. */
    template: p.string().length(40),
    status: p.enum(EMAIL_STATUSES),
    at: p.datetime(),
    error: p.string().length(1000).nullable(),
  },
  indexes: [{ name: 'emails_user_id_at_index', properties: ['userId', 'at'] }],
})

export type EmailRow = InferEntity<typeof Email>
