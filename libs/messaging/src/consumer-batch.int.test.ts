import { uuidv7 } from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type { Broker } from './broker.js'
import type { MessageContext } from './consumer.js'
import { publishOptions } from './envelope.js'
import { createHarness, envelopeFor, type Harness } from './test-support/harness.js'

let h: Harness
let broker: Broker
/** For each label, the transaction of every run of its handler, committed or not. */
const transactions = new Map<string, string[]>()
/** For each label, when each run of its handler started. */
const startedAt = new Map<string, number[]>()
/** For labels starting `count`: how many effects of `count` labels the handler saw before its own. */
const seenBefore = new Map<string, number>()
/** Labels whose handler fails every time. */
const failing = new Set<string>()
/** Labels whose handler fails once as if the database were down. */
const downOnce = new Set<string>()
/** Labels whose handler waits until the test lets it go on. */
const gates = new Map<string, { entered: boolean; release: Promise<void> }>()

beforeAll(async () => {
  h = await createHarness('consumer_batch')
  broker = h.startBroker()
  await eventually(() => expect(broker.status()).toBe('connected'))
})

afterAll(async () => {
  await h?.cleanup()
})

async function behave(label: string, { em }: MessageContext): Promise<void> {
  const gate = gates.get(label)
  if (gate) {
    gate.entered = true
    await gate.release
    return
  }
  startedAt.set(label, [...(startedAt.get(label) ?? []), Date.now()])
  const [row] = await em.execute<{ id: string }[]>('select txid_current()::text as id')
  transactions.set(label, [...(transactions.get(label) ?? []), row!.id])
  if (label.startsWith('count')) {
    const [count] = await em.execute<{ n: number }[]>(
      `select count(*)::int as n from effects where label like 'count%'`,
    )
    seenBefore.set(label, count!.n)
  }
  if (failing.has(label)) throw new Error(`${label} failed`)
  if (downOnce.delete(label)) throw new Error('transient: database down')
}

async function publish(...envelopes: ReturnType<typeof envelopeFor>[]): Promise<void> {
  for (const envelope of envelopes) {
    await h.publishRaw(JSON.stringify(envelope), publishOptions(envelope))
  }
}

/**
 * Runs a consumer that handles up to eight messages in one transaction, with one transaction at a
 * time. While it is busy with a first message, `envelopes` are published; they wait together and
 * make one batch. The consumer stops once `settled` holds.
 */
async function consumeAsOneBatch(
  envelopes: ReturnType<typeof envelopeFor>[],
  settled: () => Promise<void>,
): Promise<void> {
  const consumer = h.startConsumer(broker, { prefetch: 8, batchSize: 8, behave })
  try {
    let release = () => {}
    const gate = { entered: false, release: new Promise<void>((resolve) => (release = resolve)) }
    const label = `busy-${uuidv7()}`
    gates.set(label, gate)
    const busy = envelopeFor(label)
    await publish(busy)
    await eventually(() => expect(gate.entered).toBe(true))
    await publish(...envelopes)
    // Delivered meanwhile, they wait for the busy transaction to end.
    await new Promise((resolve) => setTimeout(resolve, 300))
    release()
    await eventually(settled, 10_000)
  } finally {
    await consumer.close()
  }
}

async function effectCounts(labels: string[]): Promise<number[]> {
  return Promise.all(labels.map(async (label) => (await h.effects(label)).length))
}

describe('consumer handling messages in batches', () => {
  it('handles messages that waited together in one transaction, each once', async () => {
    const labels = ['together-1', 'together-2', 'together-3', 'together-4', 'together-5']

    await consumeAsOneBatch(
      labels.map((label) => envelopeFor(label)),
      async () => expect(await effectCounts(labels)).toEqual([1, 1, 1, 1, 1]),
    )
    const used = new Set(labels.flatMap((label) => transactions.get(label) ?? []))
    expect(used.size).toBe(1)
  })

  it('lets each handler of a batch see the effects of those before it', async () => {
    const labels = ['count-1', 'count-2', 'count-3']

    await consumeAsOneBatch(
      labels.map((label) => envelopeFor(label)),
      async () => expect(await effectCounts(['count-3'])).toEqual([1]),
    )
    expect(labels.map((label) => seenBefore.get(label))).toEqual([0, 1, 2])
  })

  it('commits the other messages of a failed batch once, each on its own, and retries the failed one', async () => {
    failing.add('broken')
    const labels = ['before-broken', 'broken', 'after-broken']

    await consumeAsOneBatch(
      labels.map((label) => envelopeFor(label)),
      async () => {
        expect(await effectCounts(['before-broken', 'after-broken'])).toEqual([1, 1])
        expect(transactions.get('broken')?.length).toBeGreaterThanOrEqual(2)
      },
    )
    // The batch ran up to the failure and was rolled back; then each ran in a transaction of its own.
    const [batch, before, after] = [
      transactions.get('broken')?.[0],
      transactions.get('before-broken'),
      transactions.get('after-broken'),
    ]
    expect(before).toHaveLength(2)
    expect(before?.[0]).toBe(batch)
    expect(after).toHaveLength(1)
    expect(new Set([batch, before?.[1], after?.[0]]).size).toBe(3)
    expect(await effectCounts(['broken'])).toEqual([0])

    failing.delete('broken')
    await consumeAsOneBatch([], async () => expect(await effectCounts(['broken'])).toEqual([1]))
  })

  it('sends every message of a batch to wait for a dependency that was down, and handles each once it is back', async () => {
    downOnce.add('down-2')
    const labels = ['down-1', 'down-2', 'down-3']

    await consumeAsOneBatch(
      labels.map((label) => envelopeFor(label)),
      async () => expect(await effectCounts(labels)).toEqual([1, 1, 1]),
    )
    // The batch ran until the failure; each message came back from the retry queue and ran again.
    const [first, second] = startedAt.get('down-1') ?? []
    expect(second! - first!).toBeGreaterThanOrEqual(h.retryDelaysMs.at(-1)!)
    expect(transactions.get('down-1')).toHaveLength(2)
    expect(transactions.get('down-2')).toHaveLength(2)
    expect(transactions.get('down-3')).toHaveLength(1)
    expect(transactions.get('down-1')?.[0]).toBe(transactions.get('down-2')?.[0])
  })

  it('gives a message whose id is written in capitals its effect, once', async () => {
    const shouting = envelopeFor('capitals')
    const envelope = { ...shouting, id: shouting.id.toUpperCase() }

    await consumeAsOneBatch([envelope, envelope, envelopeFor('after-capitals')], async () =>
      expect(await effectCounts(['capitals', 'after-capitals'])).toEqual([1, 1]),
    )
    expect(transactions.get('capitals')).toHaveLength(1)
  })

  it('gives a message delivered twice within one batch one effect', async () => {
    const twice = envelopeFor('twice-in-batch')

    await consumeAsOneBatch([twice, twice, envelopeFor('after-twice-in-batch')], async () =>
      expect(await effectCounts(['twice-in-batch', 'after-twice-in-batch'])).toEqual([1, 1]),
    )
    expect(transactions.get('twice-in-batch')).toHaveLength(1)
  })
})
