import { describe, expect, it } from 'vitest'

import { moderationRefusal } from './authority.js'

const admin = { id: 'a', role: 'admin' as const }
const moderator = { id: 'm', role: 'moderator' as const }
const user = { id: 'u', role: 'user' as const }

describe('moderationRefusal', () => {
  it('lets an admin act on users and moderators', () => {
    expect(moderationRefusal(admin, user)).toBeUndefined()
    expect(moderationRefusal(admin, moderator)).toBeUndefined()
  })

  it('lets a moderator act on plain users only', () => {
    expect(moderationRefusal(moderator, user)).toBeUndefined()
    expect(moderationRefusal(moderator, { id: 'm2', role: 'moderator' })).toBe('outranked')
    expect(moderationRefusal(moderator, admin)).toBe('outranked')
  })

  it('protects admins from everyone, other admins included', () => {
    expect(moderationRefusal(admin, { id: 'a2', role: 'admin' })).toBe('outranked')
  })

  it('refuses acting on oneself before anything else', () => {
    expect(moderationRefusal(admin, admin)).toBe('self')
    expect(moderationRefusal(moderator, moderator)).toBe('self')
  })

  it('gives a plain user no authority', () => {
    expect(moderationRefusal(user, { id: 'u2', role: 'user' })).toBe('outranked')
  })
})
