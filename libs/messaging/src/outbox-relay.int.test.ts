import { setTimeout as sleep } from 'node:timers/promises'

import { OutboxMessage } from '@chatty/db'
import { eventually, metricSamples } from '@chatty/testing'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Broker } from './broker.js'
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

  it('counts its backlog while the broker is unreachable and times each batch it publishes', async () => {
    // A database of its own, so no other relay of this file publishes its rows.
    const own = await createHarness('relay_metrics')
    try {
      const metrics = new Registry()
      const sample = async (name: string) => metricSamples(await metrics.metrics(), name)[0]?.value
      const { proxy, url } = await own.proxy()
      proxy.cut()
      own.startRelay(own.startBroker(url), 20, { metrics })

      await own.emit('backlog-1')
      await own.emit('backlog-2')
      await eventually(async () => expect(await sample('outbox_backlog_messages')).toBe(2))
      expect(await sample('outbox_publish_duration_seconds_count')).toBe(0)

      proxy.restore()
      await eventually(async () => {
        expect(await own.db.orm.em.fork().count(OutboxMessage, { publishedAt: null })).toBe(0)
        expect(await sample('outbox_backlog_messages')).toBe(0)
      }, 10_000)
      expect(await sample('outbox_publish_duration_seconds_count')).toBeGreaterThanOrEqual(1)
    } finally {
      await own.cleanup()
    }
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

describe('outbox relay limits', () => {
  // A database of its own: the relays of the tests above would publish these rows too.
  let limits: Harness

  beforeAll(async () => {
    limits = await createHarness('relay_limits')
  })

  afterAll(async () => {
    await limits?.cleanup()
  })

  const outboxRow = (id: string) =>
    limits.db.orm.em.fork().findOneOrFail(OutboxMessage, { id }, { disableIdentityMap: true })

  /**
   * True while a transaction that is still open has locked the row: its id is the row's `xmax`.
   * The probe takes no lock itself; one that did (`for update nowait`) made the relay's claim,
   * which skips locked rows, pass the row over when the two met, and with polling off nothing
   * claimed it again.
   */
  async function isLocked(id: string): Promise<boolean> {
    const [row] = await limits.db.orm.em
      .fork()
      .getConnection()
      .execute<{ locked: boolean }[]>(
        `select exists (select 1 from pg_stat_activity a where a.backend_xid = o.xmax) as locked
           from outbox o where o.id = ?`,
        [id],
      )
    return row?.locked === true
  }

  it('retries a row the broker refuses after growing delays, then leaves it for an operator', async () => {
    const broker = limits.startBroker()
    const tries: number[] = []
    const refusing: Broker = {
      ...broker,
      publish: (exchange, routingKey, content, options) => {
        if (!content.toString().includes('"label":"refused"')) {
          return broker.publish(exchange, routingKey, content, options)
        }
        tries.push(Date.now())
        return Promise.reject(new Error('refused by the broker'))
      },
    }
    await eventually(() => expect(broker.status()).toBe('connected'))
    const relay = limits.startRelay(refusing, 20, {
      maxAttempts: 4,
      retryBaseMs: 150,
      retryMaxMs: 10_000,
    })

    try {
      const refused = await limits.emit('refused')
      const next = await limits.emit('after-refused')
      await eventually(async () =>
        expect((await outboxRow(next.id)).publishedAt).toBeInstanceOf(Date),
      )
      await eventually(() => expect(tries).toHaveLength(4), 10_000)
      const gaps = tries.slice(1).map((at, index) => at - (tries[index] as number))
      expect(gaps[0]).toBeGreaterThanOrEqual(150)
      expect(gaps[1]).toBeGreaterThanOrEqual(300)
      expect(gaps[2]).toBeGreaterThanOrEqual(600)

      // A fifth attempt would come 1.2 s after the fourth; polling (every 20 ms) would find it due.
      await sleep(1_500)
      expect(tries).toHaveLength(4)
      expect(await outboxRow(refused.id)).toMatchObject({
        publishedAt: null,
        attempts: 4,
        nextAttemptAt: null,
        lastError: 'Error: refused by the broker',
      })
    } finally {
      // Its stub would otherwise keep publishing the next test's rows.
      await relay.close()
    }
  })

  it('releases the claimed rows within the confirm timeout when the broker stops confirming', async () => {
    const { proxy, url } = await limits.proxy()
    const broker = limits.startBroker(url)
    await eventually(() => expect(broker.status()).toBe('connected'))
    limits.startRelay(broker)
    proxy.hold()
    try {
      const envelope = await limits.emit('unconfirmed')
      await eventually(async () => expect(await isLocked(envelope.id)).toBe(true))
      const lockedAt = Date.now()
      // The default confirm timeout is 5 s; the relay gives the row up right after it.
      await eventually(async () => expect(await isLocked(envelope.id)).toBe(false), 7_000)
      expect(Date.now() - lockedAt).toBeLessThan(6_500)

      const row = await outboxRow(envelope.id)
      expect(row).toMatchObject({ publishedAt: null, attempts: 1 })
      expect(row.lastError).toMatch(/no confirm within/)
      expect(row.nextAttemptAt).toBeInstanceOf(Date)
    } finally {
      proxy.release()
    }
  })
})
