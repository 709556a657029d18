import { eventually, metricSamples } from '@chatty/testing'
import type { GetMessage } from 'amqplib'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Broker } from './broker.js'
import {
  DEAD_LETTER_REASON_HEADER,
  LAST_ERROR_HEADER,
  PermanentFailure,
  RETRY_COUNT_HEADER,
} from './consumer.js'
import { publishOptions } from './envelope.js'
import { createHarness, envelopeFor, type Harness, Ordered } from './test-support/harness.js'

let h: Harness
let broker: Broker
const attempts = new Map<string, number[]>()
const reported = new Map<string, { attempt: number; lastAttempt: boolean }[]>()
const failuresLeft = new Map<string, number>()
const failWith = new Map<string, () => Error>()
/** For labels starting `after-commit`: how many effects of the label the after-commit work saw. */
const seenAfterCommit = new Map<string, number>()
const metrics = new Registry()

beforeAll(async () => {
  h = await createHarness('consumer')
  broker = h.startBroker()
  h.startRelay(broker)
  // One message at a time, so "the next message was handled" means "this one was too".
  h.startConsumer(broker, {
    prefetch: 1,
    metrics,
    behave: (label, { attempt, lastAttempt, afterCommit }) => {
      if (label.startsWith('after-commit')) {
        afterCommit(async () => {
          seenAfterCommit.set(label, (await h.effects(label)).length)
          if (label.endsWith('failing')) throw new Error('after-commit work failed')
        })
      }
      attempts.set(label, [...(attempts.get(label) ?? []), Date.now()])
      reported.set(label, [...(reported.get(label) ?? []), { attempt, lastAttempt }])
      const left = failuresLeft.get(label) ?? 0
      if (left > 0) {
        failuresLeft.set(label, left - 1)
        throw failWith.get(label)?.() ?? new Error(`${label} failed`)
      }
    },
  })
  await eventually(() => expect(broker.status()).toBe('connected'))
})

afterAll(async () => {
  await h?.cleanup()
})

/** Waits until `count` messages have reached the dead-letter queue, taking them off it. */
async function deadLettered(count: number): Promise<GetMessage[]> {
  const taken: GetMessage[] = []
  await eventually(async () => {
    taken.push(...(await h.drainQueue(h.names.deadLetterQueue(h.names.queue('listener.events')))))
    expect(taken).toHaveLength(count)
  }, 10_000)
  return taken
}

describe('consumer', () => {
  it('gives a message delivered twice one effect', async () => {
    const envelope = envelopeFor('twice')
    await h.publishRaw(JSON.stringify(envelope), publishOptions(envelope))
    await h.publishRaw(JSON.stringify(envelope), publishOptions(envelope))
    await h.emit('after-twice')

    await eventually(async () => expect(await h.effects('after-twice')).toHaveLength(1))
    expect(await h.effects('twice')).toHaveLength(1)
    expect(attempts.get('twice')).toHaveLength(1)
  })

  it('runs after-commit work once the effect is committed, and a failure there loses nothing', async () => {
    await h.emit('after-commit')
    await h.emit('after-commit-failing')
    await h.emit('after-commit-next')

    await eventually(async () => expect(await h.effects('after-commit-next')).toHaveLength(1))
    expect(seenAfterCommit.get('after-commit')).toBe(1)
    expect(seenAfterCommit.get('after-commit-failing')).toBe(1)
    expect(await h.effects('after-commit-failing')).toHaveLength(1)
  })

  it('dead-letters messages that do not match their schema and goes on with the next', async () => {
    const invalid = envelopeFor('invalid', { label: 42 })
    const unknown = { ...envelopeFor('unknown'), type: 'TestNobodyKnows' }
    await h.publishRaw(JSON.stringify(invalid), publishOptions(invalid))
    await h.publishRaw('{ not json', { messageId: 'garbage' })
    await h.publishRaw(JSON.stringify(unknown), publishOptions(unknown))
    await h.emit('after-invalid')

    await eventually(async () => expect(await h.effects('after-invalid')).toHaveLength(1))
    const dead = await deadLettered(3)
    const reasons = Object.fromEntries(
      dead.map((m) => [m.properties.messageId, m.properties.headers?.[DEAD_LETTER_REASON_HEADER]]),
    )
    expect(reasons).toEqual({
      [invalid.id]: 'invalid-data',
      garbage: 'invalid-json',
      [unknown.id]: 'unknown-type',
    })
    expect(dead.find((m) => m.properties.messageId === invalid.id)?.content.toString()).toBe(
      JSON.stringify(invalid),
    )
  })

  it('dead-letters a message of a version it does not know and goes on with the next', async () => {
    const future = { ...envelopeFor('future-version'), version: 99 }
    await h.publishRaw(JSON.stringify(future), publishOptions(future))
    await h.emit('after-future-version')

    await eventually(async () => expect(await h.effects('after-future-version')).toHaveLength(1))
    const [dead] = await deadLettered(1)
    expect(dead!.properties.messageId).toBe(future.id)
    expect(dead!.properties.headers).toMatchObject({
      [DEAD_LETTER_REASON_HEADER]: 'unknown-version',
      [LAST_ERROR_HEADER]: 'TestPinged version 99; this consumer reads version 1',
    })
    expect(dead!.content.toString()).toBe(JSON.stringify(future))
    expect(await h.effects('future-version')).toHaveLength(0)
    expect(attempts.get('future-version')).toBeUndefined()
  })

  it('retries a failing handler after each configured delay until it succeeds', async () => {
    failuresLeft.set('flaky', 2)
    await h.emit('flaky')

    await eventually(async () => expect(await h.effects('flaky')).toHaveLength(1), 10_000)
    const [first, second, third] = attempts.get('flaky') ?? []
    expect(second! - first!).toBeGreaterThanOrEqual(h.retryDelaysMs[0]!)
    expect(third! - second!).toBeGreaterThanOrEqual(h.retryDelaysMs[1]!)
    expect(attempts.get('flaky')).toHaveLength(3)
    expect(reported.get('flaky')).toEqual([
      { attempt: 1, lastAttempt: false },
      { attempt: 2, lastAttempt: false },
      { attempt: 3, lastAttempt: true },
    ])
  })

  it('dead-letters at once a message whose handler reports a permanent failure', async () => {
    failuresLeft.set('hopeless', Infinity)
    failWith.set('hopeless', () => new PermanentFailure('hopeless forever'))
    const envelope = await h.emit('hopeless')

    const [dead] = await deadLettered(1)
    expect(dead!.properties.messageId).toBe(envelope.id)
    expect(dead!.properties.headers).toMatchObject({
      [DEAD_LETTER_REASON_HEADER]: 'permanent-failure',
      [LAST_ERROR_HEADER]: 'hopeless forever',
    })
    expect(attempts.get('hopeless')).toHaveLength(1)
  })

  it('keeps retrying through a dependency outage without using up attempts', async () => {
    const outageFailures = h.retryDelaysMs.length + 2
    failuresLeft.set('outage', outageFailures)
    failWith.set('outage', () => new Error('transient: database down'))
    await h.emit('outage')

    await eventually(async () => expect(await h.effects('outage')).toHaveLength(1), 15_000)
    expect(attempts.get('outage')).toHaveLength(outageFailures + 1)
    expect(reported.get('outage')?.every(({ attempt }) => attempt === 1)).toBe(true)
  })

  it('dead-letters a message whose handler fails on every attempt', async () => {
    failuresLeft.set('doomed', Infinity)
    const envelope = await h.emit('doomed')

    const [dead] = await deadLettered(1)
    expect(dead!.properties.messageId).toBe(envelope.id)
    expect(dead!.properties.headers).toMatchObject({
      [DEAD_LETTER_REASON_HEADER]: 'handler-failed',
      [LAST_ERROR_HEADER]: 'doomed failed',
      [RETRY_COUNT_HEADER]: h.retryDelaysMs.length,
    })
    expect(attempts.get('doomed')).toHaveLength(h.retryDelaysMs.length + 1)
    expect(await h.effects('doomed')).toHaveLength(0)
  })

  it('has timed every delivery above by event type and outcome, and measured its lag', async () => {
    const text = await metrics.metrics()
    const handled = (event: string, outcome: string) =>
      metricSamples(text, 'messaging_handler_duration_seconds_count').find(
        ({ labels }) => labels.event === event && labels.outcome === outcome,
      )?.value ?? 0
    // flaky failed twice, outage more often than there are retry waits.
    expect(handled('TestPinged', 'retry')).toBeGreaterThanOrEqual(2 + h.retryDelaysMs.length + 2)
    // hopeless at once, doomed after its retries.
    expect(handled('TestPinged', 'dead_letter')).toBe(2)
    // Not JSON, not valid for its schema, of an unknown type, of an unknown version.
    expect(handled('invalid', 'dead_letter')).toBe(4)
    const acked = handled('TestPinged', 'ack')
    expect(acked).toBeGreaterThanOrEqual(10)
    const [lag] = metricSamples(text, 'messaging_consume_lag_seconds_count')
    expect(lag?.labels).toEqual({ event: 'TestPinged' })
    // Every delivery of a valid envelope is measured once when its handling starts.
    expect(lag?.value).toBe(
      acked + handled('TestPinged', 'retry') + handled('TestPinged', 'dead_letter'),
    )
  })

  it('consumes commands from their own queue', async () => {
    h.startConsumer(broker, { service: 'worker' })
    await h.emit('ordered', Ordered)
    await eventually(async () => expect(await h.effects('ordered')).toHaveLength(1))
  })
})
