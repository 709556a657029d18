import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

import { createMigration, type EntityLike, type MigrationClassList } from './orm.js'

const usage = 'usage: node libs/db/dist/cli.js --app <service dir> [--url postgres://server]'

/** `migration:create` for one service: diffs its built `dist/orm.js` against its migrations. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { app: { type: 'string' }, url: { type: 'string' } },
  })
  if (!values.app) throw new Error(usage)
  const app = resolve(values.app)
  const orm = (await import(pathToFileURL(resolve(app, 'dist/orm.js')).href)) as {
    entities: readonly EntityLike[]
    migrations: MigrationClassList
  }
  const result = await createMigration({
    url: values.url ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    entities: orm.entities,
    migrations: orm.migrations,
    path: resolve(app, 'src/migrations'),
  })
  if (!result) {
    process.stdout.write('The entities match the migrations: nothing to generate.\n')
    return
  }
  const className = result.fileName.replace(/\.ts$/, '')
  process.stdout.write(
    `Wrote src/migrations/${result.fileName}.\n` +
      `Review it, then add ${className} to the list in src/migrations/index.ts.\n`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
