import { createHash } from 'node:crypto'

import type { EntityManager } from '@mikro-orm/postgresql'
import type { Compilable, CompiledQuery } from 'kysely'
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
 * Registers the text of `compiled` (up to the bound) and runs it on `em`'s connection as a named
 * prepared statement: PostgreSQL parses and plans it once per connection, where a hot statement
 * often costs more to plan than to run (a feed page's queries plan in about 0.3 ms and run in
 * 0.03 ms).
 */
async function runPrepared<R>(em: EntityManager, compiled: CompiledQuery<R>): Promise<R[]> {
  if (!preparedNames.has(compiled.sql) && preparedNames.size < MAX_PREPARED) {
    const digest = createHash('sha1').update(compiled.sql).digest('hex').slice(0, 16)
    preparedNames.set(compiled.sql, `chatty_${digest}`)
  }
  const { rows } = await kyselyOf(em).executeQuery(compiled)
  return rows
}

/**
 * Where one of a prepared query's values goes, while `preparedQuery` builds it. Computing with it
 * (arithmetic, a template string, a comparison) throws, since the result would be fixed forever.
 */
class Placeholder {
  constructor(readonly key: string) {}

  [Symbol.toPrimitive](): never {
    throw new Error(
      `A prepared query computed with its value '${this.key}'; pass values to the query as they are.`,
    )
  }
}

/** Thrown when a build uses its values object as a whole: its keys are unknown while building. */
function refuseWhole(): never {
  throw new Error('A prepared query used its values as a whole; pass each value to the query.')
}

/** A parameter of a compiled prepared query: a run's value, or one fixed when it was built. */
type Slot = { key: string } | { value: unknown }

/**
 * Builds `build`'s query with a placeholder for each of its values and compiles it, remembering
 * which parameter each value fills. Throws when a value was read but did not reach the query as a
 * parameter, when one was computed with, and when the values were used as a whole (spread, or
 * given to Kysely as a filter object): each would have fixed the query to the placeholders. A
 * value only tested (`values.x ? … : …`, `values.x ?? …`) cannot be caught: a placeholder is
 * always truthy; what such a test decides belongs in the shape.
 */
function compileWithPlaceholders<Values extends object, R>(
  em: EntityManager,
  build: (em: EntityManager, values: Values) => Compilable<R>,
): { query: CompiledQuery<R>; slots: Slot[] } {
  const read = new Set<string>()
  const placeholders = new Proxy(
    {},
    {
      get: (_target, key) => {
        if (typeof key !== 'string') return undefined
        read.add(key)
        return new Placeholder(key)
      },
      has: refuseWhole,
      ownKeys: refuseWhole,
      getOwnPropertyDescriptor: refuseWhole,
    },
  ) as Values
  const query = build(em, placeholders).compile()
  const slots: Slot[] = query.parameters.map((parameter) =>
    parameter instanceof Placeholder ? { key: parameter.key } : { value: parameter },
  )
  for (const key of read) {
    if (!slots.some((slot) => 'key' in slot && slot.key === key)) {
      throw new Error(`A prepared query read its value '${key}' but did not pass it to the query.`)
    }
  }
  return { query, slots }
}

/** The most shapes of one prepared query compiled and kept; past it, new shapes build every run. */
const MAX_SHAPES = 64

/**
 * A hot statement run as a named prepared statement (see `runPrepared`) and built and compiled
 * once per shape rather than on every run: building and compiling a feed page's queries with Kysely
 * cost a tenth of the page's CPU. `build` makes the query from `em`, a placeholder for each of
 * `values` and the `shape`: each value it reads must reach the query as it is (compared with
 * `eb(column, op, value)`, passed to `eb.val`, a SQL function or a `sql` template), never be tested
 * or computed with. Kysely decides some SQL from the value it sees when it builds, which here is a
 * placeholder, never undefined or null. So values must be defined: the text keeps every insert
 * column, and an undefined value is stored as null, not as the column's default. And a value may
 * be null only where it is stored (an inserted or set column): a comparison is built as `=`, and
 * `= null` is never true where Kysely would have written `is null`. What the query's text depends
 * on (which filters, which order) is the shape, a few flags compared by their JSON. A run fills in
 * its own values; anything else the build reads (the clock, a random number) is fixed. Its texts
 * must be few: values that vary in number go in as one array parameter (`= any(...)`,
 * `unnest(...)`), never as a list, unless their number is part of the shape and small (the counter
 * shards' upsert, a row per key).
 */
export function preparedQuery<Values extends object, R, Shape = void>(
  build: (em: EntityManager, values: Values, shape: Shape) => Compilable<R>,
): (em: EntityManager, values: Values, shape: Shape) => Promise<R[]> {
  const compiledByShape = new Map<string, { query: CompiledQuery<R>; slots: Slot[] }>()
  return async (em, values, shape) => {
    const key = JSON.stringify(shape) ?? ''
    let compiled = compiledByShape.get(key)
    if (!compiled) {
      compiled = compileWithPlaceholders(em, (inner, placeholders: Values) =>
        build(inner, placeholders, shape),
      )
      if (compiledByShape.size < MAX_SHAPES) compiledByShape.set(key, compiled)
    }
    const { query, slots } = compiled
    const parameters = slots.map((slot) =>
      'key' in slot ? (values as Record<string, unknown>)[slot.key] : slot.value,
    )
    return runPrepared(em, { ...query, parameters })
  }
}
