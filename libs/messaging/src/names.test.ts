import { PostCreated, SendEmail } from '@chatty/contracts'
import { describe, expect, it } from 'vitest'

import { messagingNames } from './names.js'

describe('messagingNames', () => {
  it('uses the plain names without a prefix', () => {
    const names = messagingNames()
    expect(names.exchangeFor(PostCreated)).toBe('chatty.events')
    expect(names.exchangeFor(SendEmail)).toBe('chatty.commands')
    expect(names.queue('posts.events')).toBe('posts.events')
  })

  it('prefixes every exchange and queue', () => {
    const names = messagingNames('t1.')
    expect(names.eventsExchange).toBe('t1.chatty.events')
    expect(names.exchangeFor({ exchange: 'chatty.commands' })).toBe('t1.chatty.commands')
    expect(names.deadLetterQueue(names.queue('email.send'))).toBe('t1.email.send.dlq')
  })

  it('names retry queues after their delay', () => {
    const names = messagingNames()
    expect(names.retryQueue('posts.events', 10_000)).toBe('posts.events.retry.10s')
    expect(names.retryQueue('posts.events', 150)).toBe('posts.events.retry.150ms')
  })

  it('refuses an exchange it does not know', () => {
    expect(() => messagingNames().exchangeFor({ exchange: 'elsewhere' })).toThrow(/elsewhere/)
  })
})
