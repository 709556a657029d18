import { describe, expect, it } from 'vitest'

import { keyedHash } from './secrets.js'
import {
  judgeCode,
  newPendingCode,
  VERIFICATION_CODE_TTL_MS,
  VERIFICATION_MAX_ATTEMPTS,
} from './verification-codes.js'

const secret = 'test-secret'
const now = new Date('2026-11-21T12:00:00Z')

function pending(code: string, overrides: { attempts?: number; expiresAt?: Date } = {}) {
  return {
    codeHash: keyedHash(secret, code),
    attempts: overrides.attempts ?? 0,
    expiresAt: overrides.expiresAt ?? new Date(now.getTime() + VERIFICATION_CODE_TTL_MS),
  }
}

describe('a new verification code', () => {
  it('is six digits, stored only as its keyed hash, and dies after 30 minutes', () => {
    const fresh = newPendingCode(secret, now)
    expect(fresh.code).toMatch(/^\d{6}$/)
    expect(fresh.codeHash).toBe(keyedHash(secret, fresh.code))
    expect(fresh.expiresAt).toEqual(new Date('2026-11-21T12:30:00Z'))
  })
})

describe('checking a typed code', () => {
  it('accepts the pending code', () => {
    expect(judgeCode(pending('123456'), '123456', secret, now)).toBe('right')
  })

  it('counts any other code as a wrong guess', () => {
    expect(judgeCode(pending('123456'), '123457', secret, now)).toBe('wrong')
  })

  it('does not accept a code hashed under another secret', () => {
    expect(judgeCode(pending('123456'), '123456', 'other-secret', now)).toBe('wrong')
  })

  it('finds nothing pending when no code was issued', () => {
    expect(judgeCode(null, '123456', secret, now)).toBe('none')
  })

  it('kills the code after five wrong guesses, even for the right code', () => {
    const spent = pending('123456', { attempts: VERIFICATION_MAX_ATTEMPTS })
    expect(VERIFICATION_MAX_ATTEMPTS).toBe(5)
    expect(judgeCode(spent, '123456', secret, now)).toBe('none')
    expect(
      judgeCode(
        pending('123456', { attempts: VERIFICATION_MAX_ATTEMPTS - 1 }),
        '123456',
        secret,
        now,
      ),
    ).toBe('right')
  })

  it('answers expired from the moment the code dies, even for the right code', () => {
    expect(judgeCode(pending('123456', { expiresAt: now }), '123456', secret, now)).toBe('expired')
  })
})
