import { describe, expect, it } from 'vitest'

import { isBannedAt, isInGoodStanding, isStaleModeration } from './standing.js'

const now = new Date('2026-12-01T12:00:00Z')
const earlier = new Date('2026-12-01T11:00:00Z')
const later = new Date('2026-12-01T13:00:00Z')

describe('isBannedAt', () => {
  it('holds for a permanent ban, whether its end is null or absent', () => {
    expect(isBannedAt({ status: 'banned', bannedUntil: null }, now)).toBe(true)
    expect(isBannedAt({ status: 'banned' }, now)).toBe(true)
  })

  it('holds for a temporary ban until its end, and not from its end on', () => {
    expect(isBannedAt({ status: 'banned', bannedUntil: later }, now)).toBe(true)
    expect(isBannedAt({ status: 'banned', bannedUntil: now }, now)).toBe(false)
    expect(isBannedAt({ status: 'banned', bannedUntil: earlier }, now)).toBe(false)
  })

  it('does not hold for active or deleted accounts', () => {
    expect(isBannedAt({ status: 'active', bannedUntil: null }, now)).toBe(false)
    expect(isBannedAt({ status: 'deleted', bannedUntil: null }, now)).toBe(false)
  })
})

describe('isInGoodStanding', () => {
  it('holds for an active account and for a ban that has run out', () => {
    expect(isInGoodStanding({ status: 'active', bannedUntil: null }, now)).toBe(true)
    expect(isInGoodStanding({ status: 'banned', bannedUntil: earlier }, now)).toBe(true)
  })

  it('does not hold for a banned or a deleted account', () => {
    expect(isInGoodStanding({ status: 'banned', bannedUntil: null }, now)).toBe(false)
    expect(isInGoodStanding({ status: 'banned', bannedUntil: later }, now)).toBe(false)
    expect(isInGoodStanding({ status: 'deleted', bannedUntil: null }, now)).toBe(false)
  })
})

describe('isStaleModeration', () => {
  it('marks an event older than the last applied decision as stale', () => {
    expect(isStaleModeration({ moderatedAt: now }, earlier)).toBe(true)
  })

  it('applies events at or after the last decision, and any event to an unmoderated account', () => {
    expect(isStaleModeration({ moderatedAt: now }, now)).toBe(false)
    expect(isStaleModeration({ moderatedAt: now }, later)).toBe(false)
    expect(isStaleModeration({ moderatedAt: null }, earlier)).toBe(false)
  })
})
