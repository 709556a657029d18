import type { EntityManager } from '@mikro-orm/postgresql'

import { isRenewedStatement } from './prepared.js'

// serialization_failure and deadlock_detected: PostgreSQL rolled the transaction back, and the same
// work run again is expected to succeed.
const TRANSIENT_CONFLICTS = new Set(['40001', '40P01'])

/**
 * True for a transaction PostgreSQL aborted because of a concurrent one, or because a prepared
 * statement in it had to be prepared anew after a migration; safe to run again.
 */
export function isTransientConflict(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    if (isRenewedStatement(current)) return true
    const candidate = current as { code?: unknown; sqlState?: unknown; cause?: unknown }
    for (const code of [candidate.code, candidate.sqlState]) {
      if (typeof code === 'string' && TRANSIENT_CONFLICTS.has(code)) return true
    }
    current = candidate.cause
  }
  return false
}

export interface TransactionOptions {
  /** Runs of the work in all, the first included. */
  attempts?: number
}

/**
 * Runs `work` as one transaction on a fresh fork of `em`, and runs it again, on a new fork, when
 * PostgreSQL aborts it for a deadlock or a serialization failure. Every request path and consumer
 * opens its unit of work here, so a transient conflict never reaches a client as a 500. `work`
 * must keep its side effects inside the transaction (or make them idempotent).
 */
export async function inTransaction<T>(
  em: EntityManager,
  work: (em: EntityManager) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.fork().transactional(work)
    } catch (error) {
      if (attempt >= attempts || !isTransientConflict(error)) throw error
      // A short random pause, growing with each attempt, so the two sides of a deadlock do not meet again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt))
    }
  }
}
