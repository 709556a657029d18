import { createHash } from 'node:crypto'

import type { EntityManager } from '@mikro-orm/postgresql'
import type { Compilable } from 'kysely'
import type pg from 'pg'

import { kyselyOf } from './kysely.js'

/**
 * The most statement texts a process prepares; each connection keeps every one it has run, so
 * a query whose text grew with its input (a list of values instead of an array parameter) would
 * otherwise grow every connection's memory, here and in PostgreSQL. Past it, new texts run
 * unnamed: as fast as before this existed, never wrong.
 */
const MAX_PREPARED = 256

/** The statement texts that run as named prepared statements, each with its name. */
const preparedNames = new Map<string, string>()

/** PostgreSQL's answer to a prepared statement whose columns changed type since it was prepared. */
const RESULT_TYPE_CHANGED = 'cached plan must not change result type'

/** Errors of statements since prepared anew: the same work run again gets past them. */
const renewed = new WeakSet<object>()

/** True for an error of a prepared statement that has been prepared anew since (see below). */
export function isRenewedStatement(error: unknown): boolean {
  return typeof error === 'object' && error !== null && renewed.has(error)
}

/**
 * Makes `client` run the registered statement texts as named prepared statements: `pg` then
 * parses each once per connection, and PostgreSQL keeps its plan. Every other query, and any call
 * but Kysely's (text and an array of values, answered by a promise), runs as before. Installed on
 * each client of a service's pool as it connects (see `createOrm`).
 *
 * A migration that changes the type of a column a prepared statement reads (another replica's, say)
 * makes PostgreSQL refuse that statement on every connection that prepared it. The client then
 * prepares the text anew under a fresh name and runs it once more, which answers outside a
 * transaction; inside one, the transaction is already aborted and the first error stands, which
 * `inTransaction` takes as a reason to run the work again.
 */
export function prepareRegisteredStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
  const renamed = new Map<string, string>()
  let renames = 0
  client.query = ((text: unknown, ...rest: unknown[]) => {
    const registered = typeof text === 'string' ? preparedNames.get(text) : undefined
    const values = rest[0]
    if (!registered || rest.length !== 1 || !Array.isArray(values)) return query(text, ...rest)
    const run = () => query({ name: renamed.get(registered) ?? registered, text, values })
    return run().catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes(RESULT_TYPE_CHANGED)) throw error
      renames += 1
      renamed.set(registered, `${registered}_${renames}`)
      renewed.add(error)
      return run().catch(() => {
        throw error
      })
    })
  }) as typeof client.query
}

/**
 * Runs `query` on `em`'s connection as a named prepared statement, for the hot reads whose
 * planning costs PostgreSQL more than running them (a feed page's queries plan in about 0.3 ms and
 * run in 0.03 ms). Only for a query whose text has a fixed shape: values that vary in number go in
 * as one array parameter (`= any(...)`, `unnest(...)`), never as a list.
 */
export async function executePrepared<R>(em: EntityManager, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile()
  if (!preparedNames.has(compiled.sql) && preparedNames.size < MAX_PREPARED) {
    const digest = createHash('sha1').update(compiled.sql).digest('hex').slice(0, 16)
    preparedNames.set(compiled.sql, `chatty_${digest}`)
  }
  const { rows } = await kyselyOf(em).executeQuery(compiled)
  return rows
}
