// Runs bcrypt in a worker thread so hashing (about 250 ms at cost 12) never blocks the event loop.
// Only erasable TypeScript here: under tests Node loads this file directly, stripping the types.
import { parentPort } from 'node:worker_threads'

import bcrypt from 'bcryptjs'

interface Job {
  id: number
  op: 'hash' | 'verify'
  password: string
  cost: number
  hash: string
}

parentPort?.on('message', (job: Job) => {
  try {
    const result =
      job.op === 'hash'
        ? bcrypt.hashSync(job.password, job.cost)
        : bcrypt.compareSync(job.password, job.hash)
    parentPort?.postMessage({ id: job.id, result })
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: String(error) })
  }
})
