import { isInGoodStanding } from '@chatty/domain'
import { describe, expect, it } from 'vitest'

describe('isInGoodStanding', () => {
  const now = new Date('2026-01-10T12:00:00Z')

  it('shows active authors and hides deleted ones', () => {
    expect(isInGoodStanding({ status: 'active', bannedUntil: null }, now)).toBe(true)
    expect(isInGoodStanding({ status: 'deleted', bannedUntil: null }, now)).toBe(false)
  })

  it('hides a banned author until a temporary ban runs out, and for good without an end', () => {
    const until = new Date('2026-01-10T13:00:00Z')
    expect(isInGoodStanding({ status: 'banned', bannedUntil: until }, now)).toBe(false)
    expect(isInGoodStanding({ status: 'banned', bannedUntil: until }, until)).toBe(true)
    expect(isInGoodStanding({ status: 'banned', bannedUntil: null }, now)).toBe(false)
  })
})
