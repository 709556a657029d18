import { describe, expect, it } from 'vitest'

import { barChart, lineChart } from './svg.js'

describe('report charts', () => {
  it('draws one path per series and a dashed goal line', () => {
    const svg = lineChart({
      title: 'p99 <by> rate',
      xLabel: 'rate',
      yLabel: 'ms',
      series: [
        {
          name: 'p50',
          points: [
            [100, 2],
            [200, 3],
          ],
        },
        {
          name: 'p99',
          points: [
            [100, 9],
            [200, Number.NaN],
          ],
        },
      ],
      goal: { value: 20, label: 'goal' },
    })
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.match(/<path /g)).toHaveLength(2)
    expect(svg).toContain('stroke-dasharray')
    expect(svg).toContain('p99 &lt;by&gt; rate')
    expect(svg).not.toContain('NaN')
  })

  it('draws a bar per entry with its value', () => {
    const svg = barChart({ title: 't', xLabel: 'req/s', bars: [{ label: 'a', value: 1234.4 }] })
    expect(svg).toContain('>1234<')
  })
})
