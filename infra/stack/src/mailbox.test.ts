import type { SinkMessage } from '@chatty/testing'
import { describe, expect, it } from 'vitest'

import { parseSearch, renderMailboxPage, searchMessages } from './mailbox.js'

function message(overrides: Partial<SinkMessage>): SinkMessage {
  return {
    id: 'id-1',
    messageId: '<m1@chatty.local>',
    from: { name: 'Chatty', address: 'no-reply@chatty.local' },
    to: [{ name: '', address: 'alice@example.test' }],
    cc: [],
    envelope: { from: 'no-reply@chatty.local', to: ['alice@example.test'] },
    subject: 'Verify your email',
    text: 'Your code is 123456',
    html: undefined,
    date: new Date('2026-01-01T00:00:00Z'),
    receivedAt: new Date('2026-01-01T00:00:01Z'),
    headers: {},
    size: 100,
    ...overrides,
  }
}

describe('mailbox search', () => {
  it('understands to:, from:, subject:, quotes, negation and plain words', () => {
    expect(parseSearch('to:Alice@Example.test subject:"reset your" -welcome code')).toEqual([
      { field: 'to', value: 'alice@example.test', negated: false },
      { field: 'subject', value: 'reset your', negated: false },
      { field: 'any', value: 'welcome', negated: true },
      { field: 'any', value: 'code', negated: false },
    ])
  })

  it('finds messages by recipient, including envelope-only recipients', () => {
    const messages = [
      message({ id: 'a' }),
      message({
        id: 'b',
        to: [{ name: '', address: 'bob@example.test' }],
        envelope: { from: undefined, to: ['bob@example.test', 'hidden@example.test'] },
      }),
    ]
    expect(searchMessages(messages, 'to:alice@example.test').map((m) => m.id)).toEqual(['a'])
    expect(searchMessages(messages, 'to:hidden@example.test').map((m) => m.id)).toEqual(['b'])
    expect(searchMessages(messages, 'to:example.test -bob').map((m) => m.id)).toEqual(['a'])
    expect(searchMessages(messages, '').map((m) => m.id)).toEqual(['a', 'b'])
  })
})

describe('mailbox page', () => {
  it('escapes everything a message carries', () => {
    const page = renderMailboxPage([
      message({ subject: '<script>alert(1)</script>', text: '<img src=x onerror=alert(2)>' }),
    ])
    expect(page).not.toContain('<script>alert(1)')
    expect(page).not.toContain('<img src=x')
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})
