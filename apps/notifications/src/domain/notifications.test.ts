import { describe, expect, it } from 'vitest'

import { excerptOf, groupKeyOf } from './notifications.js'

describe('groupKeyOf', () => {
  const actorId = '0190a0a0-0000-7000-8000-000000000001'
  const postId = '0190a0a0-0000-7000-8000-000000000002'
  const commentId = '0190a0a0-0000-7000-8000-000000000003'

  it('groups by type, actor and target, the comment before the post', () => {
    const like = { recipientId: 'r', type: 'like', actorId, postId } as const
    expect(groupKeyOf(like)).toBe(`like:${actorId}:${postId}`)
    expect(groupKeyOf({ ...like, type: 'reply', commentId })).toBe(`reply:${actorId}:${commentId}`)
    expect(groupKeyOf({ recipientId: 'r', type: 'follow', actorId })).toBe(`follow:${actorId}:-`)
    expect(groupKeyOf({ recipientId: 'r', type: 'poll-ended', actorId: null, postId })).toBe(
      `poll-ended:-:${postId}`,
    )
  })
})

describe('excerptOf', () => {
  it('collapses whitespace and cuts at 100 characters', () => {
    expect(excerptOf('  Hello\n\n  world  ')).toBe('Hello world')
    const long = excerptOf('x'.repeat(150))
    expect(long).toHaveLength(100)
    expect(long.endsWith('…')).toBe(true)
  })
})
