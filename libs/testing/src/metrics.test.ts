import { describe, expect, it } from 'vitest'

import { metricSamples } from './metrics.js'

describe('metricSamples', () => {
  it('reads the labels and values of one series and skips comments and other series', () => {
    const text = [
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      'x_total{service="posts",route="/api/posts/:id",quote="a\\"b"} 3',
      'x_total 1.5',
      'x_total_other{service="posts"} 9',
    ].join('\n')
    expect(metricSamples(text, 'x_total')).toEqual([
      { labels: { service: 'posts', route: '/api/posts/:id', quote: 'a"b' }, value: 3 },
      { labels: {}, value: 1.5 },
    ])
  })
})
