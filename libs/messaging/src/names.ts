import { COMMANDS_EXCHANGE, EVENTS_EXCHANGE } from '@chatty/contracts'

/** Broker object names under one prefix, so test files can share a broker without colliding. */
export interface MessagingNames {
  prefix: string
  eventsExchange: string
  commandsExchange: string
  /** The real exchange for a logical one (`chatty.events` or `chatty.commands`). */
  exchangeFor(source: { exchange: string }): string
  queue(name: string): string
  retryQueue(queue: string, delayMs: number): string
  deadLetterQueue(queue: string): string
}

export function messagingNames(prefix = ''): MessagingNames {
  const eventsExchange = `${prefix}${EVENTS_EXCHANGE}`
  const commandsExchange = `${prefix}${COMMANDS_EXCHANGE}`
  return {
    prefix,
    eventsExchange,
    commandsExchange,
    exchangeFor({ exchange }) {
      if (exchange === EVENTS_EXCHANGE) return eventsExchange
      if (exchange === COMMANDS_EXCHANGE) return commandsExchange
      throw new Error(`Unknown exchange: ${exchange}`)
    },
    queue: (name) => `${prefix}${name}`,
    retryQueue: (queue, delayMs) =>
      `${queue}.retry.${delayMs % 1000 === 0 ? `${delayMs / 1000}s` : `${delayMs}ms`}`,
    deadLetterQueue: (queue) => `${queue}.dlq`,
  }
}
