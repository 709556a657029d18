import { randomUUID } from 'node:crypto'

import { withClient } from '@chatty/db'
import {
  CHATTY_TOPOLOGY,
  declareRetryQueues,
  declareTopology,
  messagingNames,
  topologyQueues,
} from '@chatty/messaging'
import { connect } from 'amqplib'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'

import { deleteBrokerObjects, flushRedisDatabase, prepareDatabases } from './state.js'

const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672'
const SERVER = 'postgres://postgres@127.0.0.1:5432'

async function tableExists(url: string, table: string): Promise<boolean> {
  const result = await withClient(url, (client) =>
    client.query('select 1 from information_schema.tables where table_name = $1', [table]),
  )
  return result.rowCount === 1
}

describe('fresh state for the e2e run', () => {
  const database = `chatty_state_int_${randomUUID().slice(0, 8)}`
  const url = `${SERVER}/${database}`

  afterAll(async () => {
    await withClient(`${SERVER}/postgres`, (client) =>
      client.query(`drop database if exists ${database} with (force)`),
    )
  })

  it('creates a missing database, keeps it as it is, or recreates it empty when fresh', async () => {
    await prepareDatabases([url], false)
    await withClient(url, (client) => client.query('create table marker (id int)'))
    await prepareDatabases([url], false)
    expect(await tableExists(url, 'marker')).toBe(true)

    // A connection left open (a crashed run) must not block the drop.
    await withClient(url, async (client) => {
      client.on('error', () => undefined)
      await prepareDatabases([url], true)
    }).catch(() => undefined)
    expect(await tableExists(url, 'marker')).toBe(false)
  })

  it('flushes only the Redis database the URL selects', async () => {
    const kept = new Redis('redis://127.0.0.1:6379/13')
    const flushed = new Redis('redis://127.0.0.1:6379/14')
    const key = `state-int:${randomUUID()}`
    try {
      await kept.set(key, '1', 'EX', 60)
      await flushed.set(key, '1', 'EX', 60)
      await flushRedisDatabase('redis://127.0.0.1:6379/14')
      expect(await flushed.get(key)).toBeNull()
      expect(await kept.get(key)).toBe('1')
    } finally {
      await kept.del(key)
      kept.disconnect()
      flushed.disconnect()
    }
  })

  it('deletes the queues and exchanges under the prefix, and nothing else', async () => {
    const prefix = `state-int-${randomUUID().slice(0, 8)}.`
    const other = `state-int-other-${randomUUID().slice(0, 8)}.`
    const connection = await connect(AMQP_URL)
    try {
      const channel = await connection.createChannel()
      const names = messagingNames(prefix)
      await declareTopology(channel, names, CHATTY_TOPOLOGY)
      await declareRetryQueues(
        channel,
        names,
        names.queue('email.send'),
        [1_000, 10_000, 60_000, 300_000],
      )
      const otherNames = messagingNames(other)
      await declareTopology(channel, otherNames, CHATTY_TOPOLOGY.slice(0, 1))
      await channel.close()

      await deleteBrokerObjects(AMQP_URL, prefix)

      const queues = topologyQueues(names, CHATTY_TOPOLOGY, [1_000, 10_000, 60_000, 300_000])
      const exchanges = [names.eventsExchange, names.commandsExchange]
      expect(queues).toContain(`${prefix}email.send.retry.300s`)
      expect(queues).toContain(`${prefix}auth.events.dlq`)
      for (const queue of queues) {
        const probe = await connection.createChannel()
        probe.on('error', () => undefined)
        await expect(probe.checkQueue(queue), queue).rejects.toThrow(/NOT_FOUND/)
      }
      for (const exchange of exchanges) {
        const probe = await connection.createChannel()
        probe.on('error', () => undefined)
        await expect(probe.checkExchange(exchange), exchange).rejects.toThrow(/NOT_FOUND/)
      }
      const survivor = await connection.createChannel()
      await expect(survivor.checkQueue(otherNames.queue('auth.events'))).resolves.toBeDefined()
      await deleteBrokerObjects(AMQP_URL, other)
    } finally {
      await connection.close()
    }
  })

  it('refuses to delete broker objects without a prefix', async () => {
    await expect(deleteBrokerObjects(AMQP_URL, '')).rejects.toThrow(/without a prefix/)
  })
})
