import { Gauge, Histogram, type Registry } from 'prom-client'

/** Durations of handlers and relay passes, in seconds (as the HTTP request histogram's). */
const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

/** Lag of a message, in seconds: milliseconds when all is well, up to the retry waits (60 s) and beyond. */
const LAG_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900,
]

/** What became of a delivery: acked (handled, or a duplicate), sent to a retry queue, or dead-lettered. */
export type DeliveryOutcome = 'ack' | 'retry' | 'dead_letter'

/** The `event` label of a message that is not a valid envelope of a known type. */
export const INVALID_MESSAGE_LABEL = 'invalid'

export interface ConsumerMetrics {
  /**
   * `lagSeconds` is now − the envelope's `occurredAt`, when its handling starts (its batch's), so
   * it includes the wait behind the consumer's previous transaction.
   */
  started(event: string, lagSeconds: number): void
  /** `seconds` counts from the start of its batch's transaction. */
  finished(event: string, outcome: DeliveryOutcome, seconds: number): void
}

export function createConsumerMetrics(registry: Registry): ConsumerMetrics {
  const lag = new Histogram({
    name: 'messaging_consume_lag_seconds',
    help: 'Time from an event occurring (envelope occurredAt) to its handling starting here.',
    labelNames: ['event'] as const,
    buckets: LAG_BUCKETS_SECONDS,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'messaging_handler_duration_seconds',
    help: 'Time to handle one delivery, from the start of the transaction it shares with the messages that waited with it (transaction, after-commit work, retry or dead-letter publish).',
    labelNames: ['event', 'outcome'] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  })
  return {
    started: (event, lagSeconds) => lag.observe({ event }, Math.max(0, lagSeconds)),
    finished: (event, outcome, seconds) => duration.observe({ event, outcome }, seconds),
  }
}

export interface RelayMetrics {
  /** One relay pass that claimed rows: claim, publish with confirms, mark, commit. */
  published(seconds: number): void
  backlog(unpublished: number): void
}

export function createRelayMetrics(registry: Registry): RelayMetrics {
  const duration = new Histogram({
    name: 'outbox_publish_duration_seconds',
    help: 'Time of one outbox relay batch: claim the rows, publish them with confirms, mark them.',
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  })
  const backlog = new Gauge({
    name: 'outbox_backlog_messages',
    help: 'Outbox rows not yet published, as the relay last counted them.',
    registers: [registry],
  })
  return {
    published: (seconds) => duration.observe(seconds),
    backlog: (unpublished) => backlog.set(unpublished),
  }
}
