import { OutboxMessage } from '@chatty/db'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { enqueue } from './envelope.js'
import { createHarness, type Harness, Pinged } from './test-support/harness.js'

let h: Harness

beforeAll(async () => {
  h = await createHarness('relay')
})

afterAll(async () => {
  await h?.cleanup()
})

describe('outbox relay', () => {
  it('keeps events written while the broker is unreachable and delivers them when it returns', async () => {
    const { proxy, url } = await h.proxy()
    proxy.cut()
    const producer = h.startBroker(url)
    // Polling is off (60 s), so only NOTIFY and the reconnect can wake the relay.
    h.startRelay(producer)
    h.startConsumer(h.startBroker())

    const envelopes = [await h.emit('offline-1'), await h.emit('offline-2')]
    expect(producer.status()).toBe('connecting')
    const pending = await h.db.orm.em
      .fork()
      .find(OutboxMessage, { id: { $in: envelopes.map((e) => e.id) } })
    expect(pending.map((row) => row.publishedAt)).toEqual([null, null])

    proxy.restore()
    await eventually(async () => {
      expect(await h.effects('offline-1')).toHaveLength(1)
      expect(await h.effects('offline-2')).toHaveLength(1)
    }, 10_000)
    const published = await h.db.orm.em
      .fork()
      .find(OutboxMessage, { id: { $in: envelopes.map((e) => e.id) } })
    expect(published.every((row) => row.publishedAt instanceof Date)).toBe(true)

    // Written while connected, it is published on the commit's notification alone.
    await h.emit('online')
    await eventually(async () => expect(await h.effects('online')).toHaveLength(1))
  })

  it('publishes with the message id, type, correlation id and persistence of the envelope', async () => {
    const probe = h.names.queue('probe')
    h.extraQueues.push(probe)
    await h.withChannel(async (channel) => {
      await channel.assertQueue(probe, { durable: false })
      await channel.bindQueue(probe, h.names.eventsExchange, Pinged.routingKey)
    })
    const broker = h.startBroker()
    const relay = h.startRelay(broker)
    await eventually(() => expect(broker.status()).toBe('connected'))

    const envelope = await h.db.orm.em.fork().transactional(async (em) => {
      return enqueue(em, Pinged, { label: 'probe' }, { producer: 'test', correlationId: 'req-1' })
    })
    await relay.flush()

    const [message] = await eventually(async () => {
      const messages = await h.drainQueue(probe)
      expect(messages).toHaveLength(1)
      return messages
    })
    expect(JSON.parse(message!.content.toString())).toEqual(envelope)
    expect(message!.properties).toMatchObject({
      messageId: envelope.id,
      type: 'TestPinged',
      contentType: 'application/json',
      deliveryMode: 2,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      headers: { 'x-correlation-id': 'req-1' },
    })
  })
})
