import { randomInt } from 'node:crypto'

import type { EntityManager } from '@mikro-orm/postgresql'

import { kyselyOf } from './kysely.js'
import { preparedQuery } from './prepared.js'

/** Any table of counter shards: a key column, a `shard` column and integer counters. */
type ShardTables = Record<string, Record<string, unknown>>

/** A table of counters kept in shards: `(key, shard)` is its primary key. */
export interface ShardedCounter {
  table: string
  key: string
  /** Rows one key's counts are spread over; a count is the sum of at most this many. */
  shards: number
}

/** What one statement adds to one key's counters. */
export interface ShardMove {
  key: string
  moves: Record<string, number>
}

/**
 * Adds `moves` to one shard of `keyValue`'s counters, in the caller's transaction: the first shard
 * no other transaction holds, or when every one is held, one picked at random (a new one while
 * there are fewer than `counter.shards`). Up to that many changes of one hot key (the follows of a
 * popular account, the likes of a viral post) thus run side by side without waiting for each
 * other's commit. A shard may go below zero (added on one, taken on another); the sum never does.
 */
export async function addToCounterShard(
  em: EntityManager,
  counter: ShardedCounter,
  keyValue: string,
  moves: Record<string, number>,
  /** Columns the shard is set to, whatever it held (a flag such as "changed since published"). */
  sets: Record<string, boolean | number | string> = {},
): Promise<void> {
  await addToCounterShards(em, counter, [{ key: keyValue, moves }], sets)
}

/**
 * The upsert of `addToCounterShards`, one text per counter, number of keys and set of columns,
 * built once for each. The rows are inserted in order, each after its own shard is chosen: the
 * lowest of its key that no other transaction holds, else the random one it was given.
 */
const shardUpsert = preparedQuery(
  (
    em,
    values: Record<string, unknown>,
    shape: { table: string; key: string; rows: number; columns: string[]; sets: string[] },
  ) => {
    const { table, key, columns, sets } = shape
    return kyselyOf<ShardTables>(em)
      .insertInto(table)
      .values((eb) =>
        Array.from({ length: shape.rows }, (_, row) => ({
          [key]: values[`key:${row}`],
          shard: eb.fn.coalesce(
            eb
              .selectFrom(table)
              .select('shard')
              .where(key, '=', values[`key:${row}`])
              // Ordered as the primary key is, so the plan is its index whatever the table's size
              // when the statement was first planned: without it, a plan made while the table was
              // small scans all of it (a LIMIT hopes to meet a match early) and is kept.
              .orderBy('shard')
              .limit(1)
              .forUpdate()
              .skipLocked(),
            eb.val(values[`shard:${row}`]),
          ),
          ...Object.fromEntries(columns.map((column) => [column, values[`move:${column}:${row}`]])),
          ...Object.fromEntries(sets.map((column) => [column, values[`set:${column}`]])),
        })),
      )
      .onConflict((conflict) =>
        conflict
          .columns([key, 'shard'])
          .doUpdateSet((eb) =>
            Object.fromEntries([
              ...sets.map((column) => [column, eb.ref(`excluded.${column}`)]),
              ...columns.map((column) => [
                column,
                eb(eb.ref(`${table}.${column}`), '+', eb.ref(`excluded.${column}`)),
              ]),
            ]),
          ),
      )
  },
)

/**
 * `addToCounterShard` for several keys in one statement (one round trip), each on a shard of its
 * own as above. The keys are taken in the order given, so callers that pass them sorted wait for
 * each other's shards in one order and cannot deadlock on them. Every key moves the same columns
 * and appears once.
 */
export async function addToCounterShards(
  em: EntityManager,
  counter: ShardedCounter,
  changes: readonly ShardMove[],
  sets: Record<string, boolean | number | string> = {},
): Promise<void> {
  if (changes.length === 0) return
  const columns = Object.keys(changes[0]!.moves)
  const values: Record<string, unknown> = {}
  changes.forEach((change, row) => {
    values[`key:${row}`] = change.key
    values[`shard:${row}`] = randomInt(counter.shards)
    for (const column of columns) values[`move:${column}:${row}`] = change.moves[column]
  })
  for (const [column, value] of Object.entries(sets)) values[`set:${column}`] = value
  await shardUpsert(em, values, {
    table: counter.table,
    key: counter.key,
    rows: changes.length,
    columns,
    sets: Object.keys(sets),
  })
}
