import { SendEmail, UserDeleted } from '@chatty/contracts'
import type { EntityManager } from '@mikro-orm/core'
import { describe, expect, it } from 'vitest'

import { enqueue, publishOptions } from './envelope.js'

function fakeEntityManager() {
  const created: Record<string, unknown>[] = []
  const em = {
    create: (_entity: unknown, data: Record<string, unknown>) => {
      created.push(data)
      return data
    },
  } as unknown as EntityManager
  return { em, created }
}

const userId = '0190a6a0-0000-7000-8000-000000000001'

describe('enqueue', () => {
  it('builds the envelope and adds an outbox row for it', () => {
    const { em, created } = fakeEntityManager()
    const occurredAt = new Date('2026-01-02T03:04:05.000Z')
    const envelope = enqueue(
      em,
      UserDeleted,
      { userId },
      { producer: 'admin', correlationId: 'req-1', occurredAt },
    )

    expect(envelope).toMatchObject({
      type: 'UserDeleted',
      version: 1,
      occurredAt: '2026-01-02T03:04:05.000Z',
      producer: 'admin',
      correlationId: 'req-1',
      data: { userId },
    })
    expect(created).toEqual([
      {
        id: envelope.id,
        exchange: 'chatty.events',
        routingKey: 'user.deleted',
        type: 'UserDeleted',
        envelope,
      },
    ])
  })

  it('throws on data that does not match the schema, adding nothing', () => {
    const { em, created } = fakeEntityManager()
    const data = { emailId: userId, to: 'not an address', template: 'welcome', params: {} }
    expect(() => enqueue(em, SendEmail, data as never, { producer: 'auth' })).toThrow()
    expect(created).toEqual([])
  })
})

describe('publishOptions', () => {
  it('carries the envelope identity as AMQP properties', () => {
    const { em } = fakeEntityManager()
    const envelope = enqueue(em, UserDeleted, { userId }, { producer: 'auth' })
    expect(publishOptions(envelope)).toEqual({
      messageId: envelope.id,
      type: 'UserDeleted',
      contentType: 'application/json',
      persistent: true,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      appId: 'auth',
      headers: {},
    })
  })
})
