import { beforeEach } from 'vitest'

// Importing the fault helpers refuses to run outside `npm run test:faults`, which starts the
// tier's own stack; without it the e2e helpers would default to the e2e stack's ports.
import { untilSettled } from './faults.js'

// Each test starts once the faults before it are over for every service: after a broker outage,
// say, each service reconnects on its own backoff, up to seconds after the broker is back.
beforeEach(async () => {
  const startedAt = Date.now()
  await untilSettled()
  const waitedMs = Date.now() - startedAt
  if (waitedMs > 250) console.log(`[faults] waited ${waitedMs} ms for every service to settle`)
}, 90_000)
