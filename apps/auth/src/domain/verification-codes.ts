import type { EmailVerificationRow } from '../entities/email-verification.entity.js'
import { keyedHash, newVerificationCode, sameHash } from './secrets.js'

export const VERIFICATION_CODE_TTL_MS = 30 * 60_000
export const VERIFICATION_MAX_ATTEMPTS = 5

/** A fresh code for a user, and what is stored of it: its keyed hash, and when it dies. */
export function newPendingCode(secret: string, now: Date) {
  const code = newVerificationCode()
  return {
    code,
    codeHash: keyedHash(secret, code),
    expiresAt: new Date(now.getTime() + VERIFICATION_CODE_TTL_MS),
  }
}

/**
 * What a typed code earns against the pending one: `none` when no code is pending or it took
 * too many wrong guesses already (a new one must be requested), `expired`, `wrong` (a guess to
 * count) or `right`.
 */
export type CodeVerdict = 'none' | 'expired' | 'wrong' | 'right'

export function judgeCode(
  pending: Pick<EmailVerificationRow, 'codeHash' | 'attempts' | 'expiresAt'> | null,
  typed: string,
  secret: string,
  now: Date,
): CodeVerdict {
  if (!pending || pending.attempts >= VERIFICATION_MAX_ATTEMPTS) return 'none'
  if (pending.expiresAt <= now) return 'expired'
  return sameHash(pending.codeHash, keyedHash(secret, typed)) ? 'right' : 'wrong'
}
