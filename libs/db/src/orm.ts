import { randomBytes } from 'node:crypto'

import type { AnyEntity, EntityClass, EntitySchema, MigrationInfo } from '@mikro-orm/core'
import { type Migration, Migrator } from '@mikro-orm/migrations'
import { MikroORM } from '@mikro-orm/postgresql'
import pg, { type Pool } from 'pg'

import {
  databaseName,
  databaseUrl,
  ensureDatabase,
  quoteIdentifier,
  withClient,
} from './database.js'
import { ChattyMigrationGenerator } from './migration-generator.js'
import { prepareRegisteredStatements } from './prepared.js'

export type { EntityManager } from '@mikro-orm/postgresql'
export { MikroORM }

export type EntityLike = EntityClass<AnyEntity> | EntitySchema
export type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration
export type MigrationClassList = readonly MigrationClass[]

export interface OrmOptions {
  url: string
  entities: readonly EntityLike[]
  /** Every migration class of the service, oldest first (also works from `src` under vitest). */
  migrations: MigrationClassList
  debug?: boolean
  /** `idleTimeoutMillis`: how long an idle connection is kept (pg's default: 10 s). */
  pool?: { min: number; max: number; idleTimeoutMillis?: number }
}

// Every timestamp column is timestamptz.
const TIMESTAMPTZ = pg.types.builtins.TIMESTAMPTZ

/**
 * A MikroORM instance on PostgreSQL; every unit of work must run on a fork.
 *
 * The driver hands timestamps over as Dates (pg's own parser), so rows read through Kysely agree with their types
 * under any alias without a per-row conversion pass (MikroORM keeps them as text by default and
 * converts them again for every row of every query). Entities hydrate from Dates the same way.
 * Its connections run the hot statements as prepared statements (`preparedQuery`).
 */
export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  const orm = await MikroORM.init({
    clientUrl: options.url,
    entities: [...options.entities],
    extensions: [Migrator],
    allowGlobalContext: false,
    ensureDatabase: false,
    debug: options.debug ?? false,
    pool: options.pool,
    driverOptions: {
      onPoolCreated: (created: Pool) => created.on('connect', prepareRegisteredStatements),
    },
    migrations: {
      migrationsList: [...options.migrations],
      snapshot: false,
      silent: true,
      emit: 'ts',
      generator: ChattyMigrationGenerator,
    },
  })
  const pool: Pool = await orm.driver.getConnection().getNativeClient()
  // Every client of the pool reads its parsers from this one set, also those already connected.
  ;(pool.options.types as typeof pg.types).setTypeParser(
    TIMESTAMPTZ,
    pg.types.getTypeParser(TIMESTAMPTZ),
  )
  return orm
}

// Advisory locks are scoped to the current database, so one key serves every service.
const MIGRATION_LOCK = 7_331_001

/** Runs pending migrations; concurrent callers on one database wait for each other. */
export async function migrate(orm: MikroORM): Promise<MigrationInfo[]> {
  return withClient(orm.config.get('clientUrl') as string, async (lock) => {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    return orm.migrator.up()
  })
}

export interface CreateMigrationOptions {
  /** A server where a scratch database may be created; its database part is ignored. */
  url: string
  entities: readonly EntityLike[]
  migrations: MigrationClassList
  /** Absolute folder the migration file is written to. */
  path: string
}

/**
 * Writes a migration taking the schema of the existing migrations to the one the entities
 * describe, diffed against a scratch database migrated to head. Null when nothing changed.
 */
export async function createMigration(
  options: CreateMigrationOptions,
): Promise<{ fileName: string; code: string } | null> {
  const scratch = `chatty_migration_${randomBytes(6).toString('hex')}`
  const url = databaseUrl(options.url, scratch)
  await ensureDatabase(url)
  try {
    const orm = await createOrm({ ...options, url })
    try {
      await migrate(orm)
      const result = await orm.migrator.create(options.path)
      return result.fileName ? { fileName: result.fileName, code: result.code } : null
    } finally {
      await orm.close()
    }
  } finally {
    await dropDatabase(url)
  }
}

/** Drops the database named in `url`, disconnecting whoever is still on it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url)
  await withClient(databaseUrl(url, 'postgres'), (client) =>
    client.query(`drop database if exists ${quoteIdentifier(name)} with (force)`),
  )
}
