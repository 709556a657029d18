import { eventually } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createHarness, type Harness } from './test-support/harness.js'

let h: Harness

beforeAll(async () => {
  h = await createHarness('recovery')
})

afterAll(async () => {
  await h?.cleanup()
})

describe('recovery', () => {
  it('resumes consuming after losing the connection, with one effect per message', async () => {
    const producer = h.startBroker()
    h.startRelay(producer)
    const { proxy, url } = await h.proxy()
    const consuming = h.startBroker(url)
    const consumer = h.startConsumer(consuming)

    for (const label of ['before-1', 'before-2']) await h.emit(label)
    await eventually(async () => expect(await h.effects('before-2')).toHaveLength(1))

    proxy.cut()
    await eventually(() => expect(consuming.status()).toBe('connecting'))
    for (const label of ['during-1', 'during-2']) await h.emit(label)
    proxy.restore()

    await eventually(async () => {
      for (const label of ['before-1', 'before-2', 'during-1', 'during-2']) {
        expect(await h.effects(label)).toHaveLength(1)
      }
    }, 10_000)
    expect(consuming.status()).toBe('connected')
    // The next test needs to know which consumer gets its message.
    await consumer.close()
  })

  it('redelivers a message whose consumer died before committing, and applies it once', async () => {
    const producer = h.startBroker()
    h.startRelay(producer)
    const { proxy, url } = await h.proxy()
    const doomed = h.startBroker(url)
    let entered = false
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const attempts: string[] = []
    h.startConsumer(doomed, {
      behave: async (label) => {
        if (label !== 'crash') return
        attempts.push('doomed')
        entered = true
        await released
        // What dying does to the transaction: it never commits.
        throw new Error('process killed')
      },
    })

    await h.emit('crash')
    await eventually(() => expect(entered).toBe(true))

    const survivor = h.startBroker()
    h.startConsumer(survivor, {
      behave: (label) => {
        if (label === 'crash') attempts.push('survivor')
      },
    })
    await eventually(() => expect(survivor.status()).toBe('connected'))
    proxy.cut()
    release()

    await eventually(async () => expect(await h.effects('crash')).toHaveLength(1), 10_000)
    expect(attempts).toEqual(['doomed', 'survivor'])

    proxy.restore()
    await eventually(() => expect(doomed.status()).toBe('connected'))
    await h.emit('after-crash')
    await eventually(async () => expect(await h.effects('after-crash')).toHaveLength(1))
    expect(await h.effects('crash')).toHaveLength(1)
  })
})
