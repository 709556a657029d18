import { EmailDelivered, EmailFailed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

interface EmailOutcome {
  emailId: string
  userId: string | null
  to: string
  template: string
  status: 'delivered' | 'failed'
  at: Date
  error: string | null
}

/** The latest report about an email wins, whatever order the reports arrive in. */
async function recordOutcome(em: EntityManager, outcome: EmailOutcome): Promise<void> {
  await em.execute(
    `insert into "emails" ("email_id", "user_id", "to", "template", "status", "at", "error")
     values (?, ?, ?, ?, ?, ?, ?)
     on conflict ("email_id") do update
       set "status" = excluded."status", "at" = excluded."at", "error" = excluded."error"
       where "emails"."at" <= excluded."at"`,
    [
      outcome.emailId,
      outcome.userId,
      outcome.to,
      outcome.template,
      outcome.status,
      outcome.at,
      outcome.error?.slice(0, 1000) ?? null,
    ],
    'run',
  )
}

export function registerEmailConsumers(consumer: Consumer): void {
  consumer.on(EmailDelivered, (event, { em }) =>
    recordOutcome(em, {
      emailId: event.emailId,
      userId: event.userId ?? null,
      to: event.to,
      template: event.template,
      status: 'delivered',
      at: new Date(event.deliveredAt),
      error: null,
    }),
  )
  consumer.on(EmailFailed, (event, { em }) =>
    recordOutcome(em, {
      emailId: event.emailId,
      userId: event.userId ?? null,
      to: event.to,
      template: event.template,
      status: 'failed',
      at: new Date(event.failedAt),
      error: event.reason,
    }),
  )
}
