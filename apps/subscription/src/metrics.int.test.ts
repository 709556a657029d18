import { eventually, metricSamples } from '@chatty/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startSubscription, type SubscriptionHarness } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

function sampleOf(text: string, name: string, labels: Record<string, string> = {}) {
  return metricSamples(text, name).find((sample) =>
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )
}

describe('metrics on the metrics port', () => {
  it('are served there and nowhere on the API port', async () => {
    expect(sub.ctx.metrics.port()).toBeGreaterThan(0)
    expect(sub.ctx.metrics.port()).not.toBe(sub.ctx.config.port)
    expect(await sub.scrapeMetrics()).toContain('# TYPE http_request_duration_seconds histogram')
    expect((await sub.request('/metrics')).status).toBe(404)
    expect((await sub.request('/api/subscriptions/metrics')).status).toBe(404)
  })

  it('time requests by route pattern, consumed events by type and outcome, and the fan-out', async () => {
    const [author, follower] = [await sub.registerUser('author'), await sub.registerUser('reader')]
    expect((await sub.follow(follower, author)).status).toBe(201)
    expect(await sub.feedIds(follower)).toEqual([])
    const postId = await sub.createPost(author)
    expect(await sub.feedIds(follower)).toEqual([postId])

    const text = await sub.scrapeMetrics()
    const service = { service: 'subscription' }
    expect(
      sampleOf(text, 'http_request_duration_seconds_count', {
        ...service,
        method: 'POST',
        route: '/api/subscriptions/:username',
        status: '201',
      })?.value,
    ).toBe(1)
    const feedReads = sampleOf(text, 'http_request_duration_seconds_count', {
      ...service,
      method: 'GET',
      route: '/api/feed',
      status: '200',
    })
    expect(feedReads?.value).toBe(2)
    expect(text).not.toContain(author.username)

    for (const event of ['UserRegistered', 'Followed', 'PostCreated']) {
      const labels = { ...service, event }
      expect(sampleOf(text, 'messaging_consume_lag_seconds_count', labels)?.value).toBeGreaterThan(
        0,
      )
      const handled = sampleOf(text, 'messaging_handler_duration_seconds_count', {
        ...labels,
        outcome: 'ack',
      })
      expect(handled?.value, event).toBeGreaterThan(0)
    }
    expect(sampleOf(text, 'feed_fanout_duration_seconds_count', service)?.value).toBe(1)
    // The follow's Followed went out through the outbox.
    expect(sampleOf(text, 'outbox_publish_duration_seconds_count', service)?.value).toBeGreaterThan(
      0,
    )
    expect(sampleOf(text, 'outbox_backlog_messages', service)).toBeDefined()
  })

  it('show the database pool, the event loop and GC pauses', async () => {
    // Enough garbage for at least one collection to be observed.
    let kept = 0
    for (let round = 0; round < 200; round += 1) kept += new Array(100_000).fill(round).length
    expect(kept).toBe(20_000_000)

    await eventually(async () => {
      const text = await sub.scrapeMetrics()
      const service = { service: 'subscription' }
      expect(sampleOf(text, 'db_pool_max_connections', service)?.value).toBeGreaterThan(0)
      for (const state of ['in_use', 'idle', 'waiting']) {
        expect(sampleOf(text, 'db_pool_connections', { ...service, state })).toBeDefined()
      }
      expect(sampleOf(text, 'db_pool_wait_seconds_count', service)).toBeDefined()
      for (const name of ['p50', 'p99', 'max']) {
        const lag = sampleOf(text, `nodejs_eventloop_lag_${name}_seconds`, service)
        expect(lag?.value, name).toBeGreaterThanOrEqual(0)
      }
      const gc = metricSamples(text, 'nodejs_gc_duration_seconds_count')
      expect(gc.length).toBeGreaterThan(0)
      expect(gc.every(({ labels }) => labels.service === 'subscription' && labels.kind)).toBe(true)
    })
  })
})
