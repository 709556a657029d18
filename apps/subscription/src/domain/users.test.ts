import { isInGoodStanding } from '@chatty/domain'
import { describe, expect, it } from 'vitest'

const now = new Date('2026-11-21T12:00:00Z')

describe('isInGoodStanding', () => {
  it('holds for active accounts and for bans whose end has passed', () => {
    expect(isInGoodStanding({ status: 'active', bannedUntil: null }, now)).toBe(true)
    const ended = new Date('2026-11-21T11:59:59Z')
    expect(isInGoodStanding({ status: 'banned', bannedUntil: ended }, now)).toBe(true)
    expect(isInGoodStanding({ status: 'banned', bannedUntil: now }, now)).toBe(true)
  })

  it('fails for permanent and running bans and for deleted accounts', () => {
    expect(isInGoodStanding({ status: 'banned', bannedUntil: null }, now)).toBe(false)
    const later = new Date('2026-11-21T12:00:01Z')
    expect(isInGoodStanding({ status: 'banned', bannedUntil: later }, now)).toBe(false)
    expect(isInGoodStanding({ status: 'deleted', bannedUntil: null }, now)).toBe(false)
  })
})
