import {
  EmailDelivered,
  EmailFailed,
  type Envelope,
  type MessageData,
  type SendEmail,
} from '@chatty/contracts'
import { type EntityManager, inTransaction, lockUntilCommit } from '@chatty/db'
import { enqueue, type MessageContext, PermanentFailure } from '@chatty/messaging'

import type { EmailContext } from '../context.js'
import { db } from '../db.js'
import { renderEmail, TemplateParamsError } from '../domain/templates.js'
import { Email, type EmailStatus } from '../entities/email.entity.js'
import { SmtpError } from '../mailer.js'
import { SERVICE } from '../service.js'

type SendEmailData = MessageData<typeof SendEmail>

/**
 * Sends the email of one SendEmail command and records the outcome.
 *
 * Delivery is at least once. The mail goes out inside the consumer's transaction and is marked
 * delivered (with its inbox row and the EmailDelivered event) only when that transaction commits.
 * If the process dies, or the commit fails, after the SMTP server accepted the mail, the command is
 * redelivered and the mail is sent a second time, with the same Message-ID. The alternative, marking
 * it sent before sending, would lose the email on such a crash, and a lost verification code is
 * worse than a duplicate one.
 *
 * A failed send throws, so the consumer retries the command through its wait queues. When no retry
 * is left, or retrying cannot help (a template param missing, the SMTP server refusing the message
 * for good, which is dead-lettered at once as a PermanentFailure), the email is recorded failed
 * and EmailFailed is queued in a transaction of its own before the throw.
 */
export async function deliverEmail(
  ctx: EmailContext,
  data: SendEmailData,
  { em, envelope, logger, lastAttempt }: MessageContext,
): Promise<void> {
  // Serialises the commands of one email (a producer may resend it under a new message id)
  // without locking its row, which the records below update on their own connections.
  await lockUntilCommit(em, `email:${data.emailId}`)
  const attempt = await recordAttempt(ctx, data)
  if (attempt.status === 'delivered') {
    logger.info({ emailId: data.emailId }, 'email already delivered; skipping')
    return
  }

  let sent: { messageId: string }
  try {
    const content = renderEmail(data.template, data.params, { publicUrl: ctx.config.publicUrl })
    sent = await ctx.mailer.send({ emailId: data.emailId, to: data.to, ...content })
  } catch (error) {
    const permanent =
      error instanceof TemplateParamsError || (error instanceof SmtpError && error.permanent)
    const final = permanent || lastAttempt
    const reason = error instanceof Error ? error.message : String(error)
    await recordFailure(ctx, data, envelope, reason, final)
    logger.warn(
      { emailId: data.emailId, template: data.template, attempt: attempt.attempts, final, reason },
      final ? 'email failed for good' : 'email not sent; will retry',
    )
    throw permanent ? new PermanentFailure(reason, { cause: error }) : error
  }

  const deliveredAt = ctx.clock()
  await em.nativeUpdate(
    Email,
    { id: data.emailId },
    { status: 'delivered', deliveredAt, smtpMessageId: sent.messageId },
  )
  enqueue(
    em,
    EmailDelivered,
    {
      emailId: data.emailId,
      userId: data.userId ?? null,
      to: data.to,
      template: data.template,
      deliveredAt: deliveredAt.toISOString(),
    },
    { producer: SERVICE.name, correlationId: envelope.correlationId, occurredAt: deliveredAt },
  )
  logger.info(
    { emailId: data.emailId, template: data.template, attempt: attempt.attempts },
    'email delivered',
  )
}

/**
 * Counts this attempt in a committed write of its own, so the count (shown to admins) survives
 * the rollback of a failed attempt.
 */
async function recordAttempt(
  ctx: EmailContext,
  data: SendEmailData,
): Promise<{ status: EmailStatus; attempts: number }> {
  return independently(ctx, (em) =>
    db(em)
      .insertInto('emails')
      .values({
        id: data.emailId,
        to: data.to,
        user_id: data.userId ?? null,
        template: data.template,
        status: 'pending',
        attempts: 1,
        created_at: ctx.clock(),
      })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          attempts: eb(
            'emails.attempts',
            '+',
            eb.case().when('emails.status', '=', 'delivered').then(0).else(1).end(),
          ),
        })),
      )
      .returning(['status', 'attempts'])
      .executeTakeFirstOrThrow(),
  )
}

async function recordFailure(
  ctx: EmailContext,
  data: SendEmailData,
  envelope: Envelope,
  reason: string,
  final: boolean,
): Promise<void> {
  const failedAt = ctx.clock()
  await independently(ctx, async (tx) => {
    const email = await tx.findOneOrFail(Email, { id: data.emailId })
    email.lastError = reason.slice(0, 2_000)
    // EmailFailed goes out once per email, even if the command keeps arriving after that.
    if (!final || email.status !== 'pending') return
    email.status = 'failed'
    email.failedAt = failedAt
    enqueue(
      tx,
      EmailFailed,
      {
        emailId: data.emailId,
        userId: data.userId ?? null,
        to: data.to,
        template: data.template,
        reason: email.lastError,
        failedAt: failedAt.toISOString(),
      },
      { producer: SERVICE.name, correlationId: envelope.correlationId, occurredAt: failedAt },
    )
  })
}

/**
 * Runs `work` in a transaction of its own, beside the message's: the attempt count and the failure
 * must stay recorded when the message's transaction rolls back (the send failed, or the process
 * died mid-send). The fork skips context resolution, so it never joins the message's transaction.
 */
function independently<T>(ctx: EmailContext, work: (em: EntityManager) => Promise<T>): Promise<T> {
  return inTransaction(ctx.orm.em.fork({ disableContextResolution: true }), work)
}
