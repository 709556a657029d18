import { describe, expect, it } from 'vitest'

import { metricSum, metricValue, parseProcStat, processGroup } from './breakdown.js'
import { breakdownTables } from './report.js'

describe('where the time went', () => {
  it('reads its own ticks and its ended children’s from a stat line whose name holds spaces', () => {
    const line =
      '4242 (Web Content (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 89 10 20 0 12 0 99 1 2'
    expect(parseProcStat(line)).toEqual({ comm: 'Web Content (x)', ticks: 1234 + 567 + 89 + 10 })
  })

  it('groups Chatty services by app, the infrastructure by server, and the rest together', () => {
    const node = '/usr/bin/node'
    expect(processGroup('node', `${node} /repo/apps/subscription/dist/main.js`, false)).toBe(
      'subscription',
    )
    expect(processGroup('postgres', 'postgres: postgres chatty_bench_posts', false)).toBe(
      'PostgreSQL',
    )
    expect(processGroup('redis-server', 'redis-server 127.0.0.1:6379', false)).toBe('Redis')
    expect(processGroup('beam.smp', '/usr/lib/erlang/erts/bin/beam.smp', false)).toBe('RabbitMQ')
    expect(processGroup('nginx', 'nginx: worker process', false)).toBe('nginx')
    expect(processGroup('node', `${node} bench/dist/bench-main.js`, true)).toMatch(/generator/)
    expect(processGroup('tsc', 'node tsc --noEmit', false)).toBe('other processes')
  })

  it('reads Prometheus samples, one or summed over their labels', () => {
    const text = [
      '# HELP process_cpu_seconds_total x',
      'process_cpu_seconds_total{service="posts"} 12.5',
      'nodejs_gc_duration_seconds_sum{service="posts",kind="minor"} 0.25',
      'nodejs_gc_duration_seconds_sum{service="posts",kind="major"} 0.5',
    ].join('\n')
    expect(metricValue(text, 'process_cpu_seconds_total')).toBe(12.5)
    expect(metricSum(text, 'nodejs_gc_duration_seconds_sum')).toBe(0.75)
    expect(metricValue(text, 'db_pool_wait_seconds_count')).toBe(0)
  })

  it('shows CPU per request by group, the busiest group first', () => {
    const table = breakdownTables([
      {
        label: 'feed, 32 connections',
        requests: 1000,
        seconds: 10,
        machineCores: 1.9,
        cpu: [
          { group: 'subscription', seconds: 2 },
          { group: 'nginx', seconds: 0.5 },
        ],
        services: [
          {
            service: 'subscription',
            poolWaits: 3,
            poolWaitSeconds: 0.01,
            loopDelayP99Ms: 12,
            gcSeconds: 0.1,
          },
        ],
      },
    ])
    expect(table).toContain('| Measurement | req/s | cores busy | subscription | nginx |')
    expect(table).toContain('| feed, 32 connections | 100 | 1.90 | 2.00 | 0.50 |')
    expect(table).toContain('3 waits (10 ms), loop p99 12.0 ms, GC 100 ms')
  })
})
