import { revocationTtlSeconds } from '@chatty/http'
import { describe, expect, it } from 'vitest'

import { assertMayLogIn, isSessionLive, judgeRefresh, refreshLifetimeEnd } from './sessions.js'

const now = new Date('2026-11-21T12:00:00Z')
const later = new Date(now.getTime() + 60_000)
const earlier = new Date(now.getTime() - 60_000)

const active = { status: 'active' as const, bannedUntil: null }
const liveSession = { revokedAt: null, expiresAt: later }
const freshToken = { rotatedAt: null, expiresAt: later }

describe('session lifetime', () => {
  it('ends the configured number of days after it was issued', () => {
    expect(refreshLifetimeEnd(now, 30)).toEqual(new Date('2026-12-21T12:00:00Z'))
  })

  it('is live until it expires or is revoked', () => {
    expect(isSessionLive(liveSession, now)).toBe(true)
    expect(isSessionLive({ revokedAt: null, expiresAt: now }, now)).toBe(false)
    expect(isSessionLive({ revokedAt: earlier, expiresAt: later }, now)).toBe(false)
  })
})

describe('exchanging a refresh token', () => {
  it('rotates a fresh token of a live session of an account in good standing', () => {
    expect(judgeRefresh(freshToken, liveSession, active, now)).toBe('rotate')
  })

  it('refuses an unknown token', () => {
    expect(judgeRefresh(null, null, null, now)).toBe('refuse')
  })

  it('treats a token that was rotated already as a replay, even when it has expired since', () => {
    expect(judgeRefresh({ rotatedAt: earlier, expiresAt: later }, liveSession, active, now)).toBe(
      'replayed',
    )
    expect(judgeRefresh({ rotatedAt: earlier, expiresAt: earlier }, null, null, now)).toBe(
      'replayed',
    )
  })

  it('refuses a token past its expiry, at the very instant too', () => {
    expect(judgeRefresh({ rotatedAt: null, expiresAt: now }, liveSession, active, now)).toBe(
      'refuse',
    )
  })

  it('refuses a token whose session is gone, revoked or expired', () => {
    expect(judgeRefresh(freshToken, null, active, now)).toBe('refuse')
    expect(judgeRefresh(freshToken, { revokedAt: earlier, expiresAt: later }, active, now)).toBe(
      'refuse',
    )
    expect(judgeRefresh(freshToken, { revokedAt: null, expiresAt: earlier }, active, now)).toBe(
      'refuse',
    )
  })

  it('refuses the token of a missing, deleted or banned account', () => {
    expect(judgeRefresh(freshToken, liveSession, null, now)).toBe('refuse')
    expect(
      judgeRefresh(freshToken, liveSession, { status: 'deleted', bannedUntil: null }, now),
    ).toBe('refuse')
    expect(
      judgeRefresh(freshToken, liveSession, { status: 'banned', bannedUntil: later }, now),
    ).toBe('refuse')
  })

  it('rotates again for an account whose temporary ban is over', () => {
    expect(
      judgeRefresh(freshToken, liveSession, { status: 'banned', bannedUntil: earlier }, now),
    ).toBe('rotate')
  })
})

describe('logging in', () => {
  it('lets an active account in', () => {
    expect(() => assertMayLogIn(active, now)).not.toThrow()
  })

  it('answers a missing or deleted account like a wrong password', () => {
    for (const account of [null, { status: 'deleted' as const, bannedUntil: null }]) {
      expect(() => assertMayLogIn(account, now)).toThrow(
        expect.objectContaining({ code: 'invalid-credentials' }),
      )
    }
  })

  it('refuses a banned account until its ban ends', () => {
    for (const bannedUntil of [null, later]) {
      expect(() => assertMayLogIn({ status: 'banned', bannedUntil }, now)).toThrow(
        expect.objectContaining({ code: 'account-banned' }),
      )
    }
    expect(() => assertMayLogIn({ status: 'banned', bannedUntil: now }, now)).not.toThrow()
    expect(() => assertMayLogIn({ status: 'banned', bannedUntil: undefined }, now)).toThrow(
      expect.objectContaining({ code: 'account-banned' }),
    )
  })
})

describe('revocation marks', () => {
  it('outlive every access token issued before them', () => {
    expect(revocationTtlSeconds({ accessTokenTtlSeconds: 900 })).toBeGreaterThan(900)
  })
})
