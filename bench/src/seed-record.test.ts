import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import type { Breakdown } from './breakdown.js'
import { seedRows } from './report.js'
import { forgetSeedRecord, readSeedRecord, type SeedRecord, writeSeedRecord } from './seed.js'

function phase(label: string, items: number, cpuSeconds: number[]): Breakdown {
  return {
    label,
    requests: items,
    seconds: 10,
    cpu: cpuSeconds.map((seconds, index) => ({ group: `group ${index}`, seconds })),
    machineCores: 1.9,
    services: [],
  }
}

function record(settledSeconds: number): SeedRecord {
  return {
    finishedAt: '2026-12-03T07:39:41.865Z',
    counts: {
      accounts: 100,
      follows: 1_000,
      posts: 30,
      seconds: { accounts: 5, follows: 20, posts: 1 },
    },
    settledSeconds,
    phases: [
      phase('an account (registration and login)', 100, [2, 0.5]),
      phase('a follow', 1_000, [10, 4]),
      phase('a post', 30, [0.3]),
    ],
  }
}

describe('the seed in the report', () => {
  it('shows how long the seed took and the CPU of every process per item, against two minutes', () => {
    const [row] = seedRows(record(675))
    expect(row).toEqual([
      'seeding the graph through the API (100 accounts, 1000 follows, 30 posts)',
      '675 s until every consumer had caught up; CPU per account (registration and login) 25.0 ms, per follow 14.0 ms, per post 10.0 ms',
      'under 2 minutes',
      '**missed**',
    ])
    expect(seedRows(record(110))[0]?.[3]).toBe('met')
  })

  it('has no row without a record', () => {
    expect(seedRows(undefined)).toEqual([])
  })

  it('keeps the record beside the stack until the next seed forgets it', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'chatty-seed-record-'))
    expect(readSeedRecord(stateDir)).toBeUndefined()
    writeSeedRecord(stateDir, record(675))
    expect(readSeedRecord(stateDir)).toEqual(record(675))
    forgetSeedRecord(stateDir)
    expect(readSeedRecord(stateDir)).toBeUndefined()
  })
})
