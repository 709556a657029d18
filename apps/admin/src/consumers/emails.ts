import { EmailDelivered, EmailFailed } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'
import type { Consumer } from '@chatty/messaging'

import { db } from '../db.js'

interface EmailOutcome {
  emailId: string
  userId: string | null
  to: string
  template: string
  status: 'delivered' | 'failed'
  at: Date
  error: string | null
}

/**
 * The latest report about an email wins, whatever order the reports arrive in. The row is keyed
 * by the email, so a report about an account admin does not know yet waits here, and shows in
 * the account's detail once its UserRegistered has arrived.
 */
async function recordOutcome(em: EntityManager, outcome: EmailOutcome): Promise<void> {
  await db(em)
    .insertInto('emails')
    .values({
      email_id: outcome.emailId,
      user_id: outcome.userId,
      to: outcome.to,
      template: outcome.template,
      status: outcome.status,
      at: outcome.at,
      error: outcome.error?.slice(0, 1000) ?? null,
    })
    .onConflict((conflict) =>
      conflict
        .column('email_id')
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          at: eb.ref('excluded.at'),
          error: eb.ref('excluded.error'),
        }))
        .whereRef('emails.at', '<=', 'excluded.at'),
    )
    .execute()
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
