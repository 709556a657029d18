import { describe, expect, it } from 'vitest'

import { isResetUsable, newPendingReset, PASSWORD_RESET_TTL_MS } from './password-changes.js'
import { sha256 } from './secrets.js'

const now = new Date('2026-11-21T12:00:00Z')
const active = { status: 'active' as const }

describe('a new reset token', () => {
  it('is 256 random bits, URL-safe, stored only as its SHA-256, and dies after 30 minutes', () => {
    const pending = newPendingReset(now)
    expect(Buffer.from(pending.token, 'base64url')).toHaveLength(32)
    expect(pending.token).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(pending.tokenHash).toBe(sha256(pending.token))
    expect(pending.expiresAt.getTime() - now.getTime()).toBe(PASSWORD_RESET_TTL_MS)
    expect(PASSWORD_RESET_TTL_MS).toBe(30 * 60_000)
  })

  it('is different every time', () => {
    expect(newPendingReset(now).token).not.toBe(newPendingReset(now).token)
  })
})

describe('using a reset token', () => {
  const { expiresAt } = newPendingReset(now)

  it('works while pending and unexpired, for an active or banned account', () => {
    expect(isResetUsable({ expiresAt }, active, now)).toBe(true)
    expect(isResetUsable({ expiresAt }, { status: 'banned' }, now)).toBe(true)
  })

  it('does not work once used (no pending row) or for a missing account', () => {
    expect(isResetUsable(null, active, now)).toBe(false)
    expect(isResetUsable({ expiresAt }, null, now)).toBe(false)
  })

  it('does not work from the instant it expires', () => {
    expect(isResetUsable({ expiresAt }, active, expiresAt)).toBe(false)
    expect(isResetUsable({ expiresAt }, active, new Date(expiresAt.getTime() - 1))).toBe(true)
  })

  it('does not work for a deleted account', () => {
    expect(isResetUsable({ expiresAt }, { status: 'deleted' }, now)).toBe(false)
  })
})
