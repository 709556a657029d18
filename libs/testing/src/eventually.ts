import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Retries `check` until it stops throwing (or returns a value), or rethrows its last error once
 * `timeoutMs` has passed. The way to wait for something that happens through events.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() >= deadline) throw error
      await sleep(intervalMs)
    }
  }
}
