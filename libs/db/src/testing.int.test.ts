import { randomBytes } from 'node:crypto'

import { uuidv7 } from '@chatty/contracts'
import { afterAll, describe, expect, it } from 'vitest'

import { databaseUrl, ensureDatabase, withClient } from './database.js'
import { messagingEntities, OutboxMessage } from './index.js'
import { createOrm, dropDatabase, migrate } from './orm.js'
import { migrations } from './test-support/migrations/index.js'
import { createTestDatabase, type TestDatabase } from './testing.js'

const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const entities = [...messagingEntities]
const cleanups: (() => Promise<void>)[] = []

afterAll(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()))
})

async function testDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ name: 'db', entities, migrations })
  cleanups.push(db.drop)
  return db
}

function scratchUrl(): string {
  const url = databaseUrl(serverUrl, `chatty_scratch_${randomBytes(6).toString('hex')}`)
  cleanups.push(() => dropDatabase(url))
  return url
}

describe('createTestDatabase', () => {
  it('gives each caller its own database, migrated to head', async () => {
    const [a, b] = await Promise.all([testDatabase(), testDatabase()])
    expect(a.url).not.toBe(b.url)

    const em = a.orm.em.fork()
    const id = uuidv7()
    const envelope = {
      id,
      type: 'UserDeleted',
      version: 1,
      occurredAt: new Date().toISOString(),
      producer: 'test',
      correlationId: null,
      data: { userId: id },
    }
    em.create(OutboxMessage, {
      id,
      exchange: 'chatty.events',
      routingKey: 'user.deleted',
      type: 'UserDeleted',
      envelope,
    })
    await em.flush()

    expect(await a.orm.em.fork().count(OutboxMessage)).toBe(1)
    expect(await b.orm.em.fork().count(OutboxMessage)).toBe(0)
    expect(await b.orm.migrator.getPending()).toEqual([])
  })

  it('drops the database', async () => {
    const db = await testDatabase()
    await db.drop()
    const rows = await withClient(serverUrl, (client) =>
      client.query('select 1 from pg_database where datname = $1', [
        new URL(db.url).pathname.slice(1),
      ]),
    )
    expect(rows.rowCount).toBe(0)
  })
})

describe('ensureDatabase', () => {
  it('creates a missing database exactly once, even when called concurrently', async () => {
    const url = scratchUrl()
    const created = await Promise.all([
      ensureDatabase(url),
      ensureDatabase(url),
      ensureDatabase(url),
    ])
    expect(created.filter(Boolean)).toHaveLength(1)
    expect(await ensureDatabase(url)).toBe(false)
  })
})

describe('migrate', () => {
  it('applies pending migrations once when two processes start together', async () => {
    const url = scratchUrl()
    await ensureDatabase(url)
    const orms = await Promise.all([1, 2].map(() => createOrm({ url, entities, migrations })))
    try {
      const applied = await Promise.all(orms.map((orm) => migrate(orm)))
      expect(applied.map((list) => list.length).sort()).toEqual([0, 1])
      expect(await migrate(orms[0]!)).toEqual([])
    } finally {
      await Promise.all(orms.map((orm) => orm.close()))
    }
  })
})
