import { EMAIL_TEMPLATES } from '@chatty/contracts'
import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

export const EMAIL_STATUSES = ['pending', 'delivered', 'failed'] as const
export type EmailStatus = (typeof EMAIL_STATUSES)[number]

/**
 * One SendEmail command's email and what became of it. The params are deliberately not stored:
 * they carry verification codes and reset tokens, which live only in the command.
 */
export const Email = defineEntity({
  name: 'Email',
  tableName: 'emails',
  properties: {
    id: p.uuid().primary(),
    to: p.string().length(320),
    userId: p.uuid().nullable().index(),
    template: p.enum(EMAIL_TEMPLATES),
    status: p.enum(EMAIL_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    smtpMessageId: p.string().length(998).nullable(),
    createdAt: p.datetime(),
    deliveredAt: p.datetime().nullable(),
    failedAt: p.datetime().nullable(),
  },
})

export type EmailRow = InferEntity<typeof Email>
