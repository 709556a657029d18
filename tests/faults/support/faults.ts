import { type MessageDefinition } from '@chatty/contracts'
import { messagingNames } from '@chatty/messaging'
import amqp, { type Options } from 'amqplib'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set; run the tier through npm run test:faults`)
  return value
}

/** The runner's fault endpoint (infra/stack/src/fault-control.ts). */
async function inject(path: string): Promise<void> {
  const response = await fetch(`${required('FAULTS_CONTROL_URL')}${path}`, { method: 'POST' })
  if (response.status !== 204) {
    throw new Error(`fault ${path} failed: ${response.status} ${await response.text()}`)
  }
}

/** Drops every connection between the services and RabbitMQ and refuses new ones. */
export const cutBroker = () => inject('/broker/cut')
export const restoreBroker = () => inject('/broker/restore')
export const cutPostgres = () => inject('/postgres/cut')
export const restorePostgres = () => inject('/postgres/restore')
/** FLUSHDB on the tier's own Redis database. */
export const flushRedis = () => inject('/redis/flush')
/** kill -9, answered once the process is gone. */
export const killService = (name: string) => inject(`/services/${name}/kill`)
/** Answered once the service is healthy again. */
export const startService = (name: string) => inject(`/services/${name}/start`)
/** Answered once every service reports every dependency ok, the broker connection included. */
export const untilSettled = () => inject('/stack/settle')

/** Runs `during` with the broker cut, restoring it whatever happens. */
export async function withBrokerCut<T>(during: () => Promise<T>): Promise<T> {
  await cutBroker()
  try {
    return await during()
  } finally {
    await restoreBroker()
  }
}

const names = messagingNames(required('FAULTS_MESSAGING_PREFIX'))

/** The dead-letter queue of a service's event queue, e.g. `faults.subscription.events.dlq`. */
export function deadLetterQueueOf(service: string): string {
  return names.deadLetterQueue(names.queue(`${service}.events`))
}

async function withChannel<T>(use: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(required('FAULTS_AMQP_URL'))
  try {
    return await use(await connection.createConfirmChannel())
  } finally {
    await connection.close().catch(() => undefined)
  }
}

/** Publishes raw bytes to the tier's events exchange under the routing key of `definition`. */
export function publishRawEvent(
  definition: MessageDefinition,
  content: Buffer,
  options: Options.Publish,
): Promise<void> {
  return withChannel(async (channel) => {
    channel.publish(names.exchangeFor(definition), definition.routingKey, content, {
      contentType: 'application/json',
      persistent: true,
      ...options,
    })
    await channel.waitForConfirms()
  })
}

/** Takes every message out of `queue` and answers their AMQP message ids. */
export function drainQueue(queue: string): Promise<string[]> {
  return withChannel(async (channel) => {
    const ids: string[] = []
    for (;;) {
      const message = await channel.get(queue, { noAck: true })
      if (!message) return ids
      ids.push(String(message.properties.messageId))
    }
  })
}
