import { createHash, randomBytes } from 'node:crypto'

import { sql } from 'kysely'

import { databaseUrl, quoteIdentifier, withClient } from './database.js'
import { kyselyOf } from './kysely.js'
import type { EntityManager } from './orm.js'
import {
  createOrm,
  dropDatabase,
  type EntityLike,
  migrate,
  type MigrationClassList,
  type MikroORM,
} from './orm.js'

const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabaseOptions {
  /** Short lowercase name of what is tested, e.g. `auth`; part of the database names. */
  name: string
  entities: readonly EntityLike[]
  migrations: MigrationClassList
}

export interface TestDatabase {
  url: string
  orm: MikroORM
  /** Closes the ORM and drops the database. */
  drop(): Promise<void>
}

const templates = new Map<string, Promise<string>>()

/**
 * A fresh database migrated to head, cloned in milliseconds from a template that is built once
 * per distinct migration set (across vitest workers too).
 */
export async function createTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  if (!/^[a-z0-9_]{1,24}$/.test(options.name)) {
    throw new Error(`Test database name must match [a-z0-9_]{1,24}: ${options.name}`)
  }
  const template = await templateFor(options)
  const name = `chatty_test_${options.name}_${randomBytes(6).toString('hex')}`
  await withClient(serverUrl, (client) =>
    client.query(`create database ${quoteIdentifier(name)} template ${quoteIdentifier(template)}`),
  )
  const url = databaseUrl(serverUrl, name)
  const orm = await createOrm({ ...options, url, pool: { min: 0, max: 5 } })
  let dropped: Promise<void> | undefined
  return {
    url,
    orm,
    drop: () =>
      (dropped ??= (async () => {
        await orm.close()
        await dropDatabase(url)
      })()),
  }
}

function templateFor(options: TestDatabaseOptions): Promise<string> {
  // The class source is hashed too, so editing a migration in place rebuilds the template.
  const hash = createHash('sha256')
    .update(
      options.migrations.map((migration) => `${migration.name}\n${String(migration)}`).join('\n'),
    )
    .digest('hex')
    .slice(0, 12)
  const template = `chatty_tpl_${options.name}_${hash}`
  let built = templates.get(template)
  if (!built) {
    built = buildTemplate(template, options).then(() => template)
    built.catch(() => templates.delete(template))
    templates.set(template, built)
  }
  return built
}

async function buildTemplate(template: string, options: TestDatabaseOptions): Promise<void> {
  await withClient(serverUrl, async (client) => {
    const exists = async () =>
      Boolean(
        (await client.query('select 1 from pg_database where datname = $1', [template])).rowCount,
      )
    if (await exists()) return
    await client.query('select pg_advisory_lock(hashtext($1))', [template])
    if (await exists()) return
    // Built under another name and renamed when complete, so a crash never leaves a half-built template.
    const building = `${template}_build`
    await client.query(`drop database if exists ${quoteIdentifier(building)} with (force)`)
    await client.query(`create database ${quoteIdentifier(building)}`)
    const orm = await createOrm({ ...options, url: databaseUrl(serverUrl, building) })
    try {
      await migrate(orm)
    } finally {
      await orm.close()
    }
    await client.query(
      `alter database ${quoteIdentifier(building)} rename to ${quoteIdentifier(template)}`,
    )
  })
}

/** How many backends of `em`'s database wait for a lock (a system view, hence plain SQL). */
export async function lockWaits(em: EntityManager): Promise<number> {
  const { rows } = await sql<{ waiting: number }>`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`.execute(kyselyOf(em))
  return rows[0]?.waiting ?? 0
}

/**
 * What the caller's connection has read of `table` and not yet reported to PostgreSQL's
 * statistics: its sequential scans, and the rows those scans and its index scans read (a system
 * view, hence plain SQL). A connection reports only between transactions, so the difference of
 * two readings in one transaction is what the work between them read.
 */
export async function readsOf(
  em: EntityManager,
  table: string,
): Promise<{ seqScans: number; rows: number }> {
  const { rows } = await sql<{ seqScans: number; rows: number }>`
    select seq_scan::int as "seqScans", (seq_tup_read + coalesce(idx_tup_fetch, 0))::int as rows
    from pg_stat_xact_user_tables where relname = ${table}`.execute(kyselyOf(em))
  return rows[0] ?? { seqScans: 0, rows: 0 }
}
