/**
 * Messaging for Chatty services: a broker connection that recovers by itself, a transactional
 * outbox relay, and idempotent consumers with retry and dead-letter queues.
 *
 * Shutdown order (SIGTERM), after the HTTP server has stopped accepting and drained:
 *   1. `await consumer.close()`: stop taking deliveries; in-flight ones finish, commit and are acked.
 *   2. `await relay.close()`: stop listening and polling; publish what is still pending (including
 *      messages the consumers' handlers just enqueued).
 *   3. `await broker.close()`: close the AMQP connection.
 *   4. `await orm.close()`.
 * Start-up is the reverse: orm (migrated), broker, `relay.start()`, `consumer.start()`,
 * `broker.start()`; the broker declares the topology before anything is published or consumed.
 */
export * from './broker.js'
export * from './consumer.js'
export * from './envelope.js'
export * from './metrics.js'
export * from './names.js'
export * from './outbox-relay.js'
export * from './service-messaging.js'
export * from './topology.js'
