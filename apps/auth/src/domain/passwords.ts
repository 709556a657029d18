import { Worker } from 'node:worker_threads'

export const PASSWORD_MIN_BYTES = 8
/** bcrypt ignores everything past 72 bytes, so longer passwords are refused rather than truncated. */
export const PASSWORD_MAX_BYTES = 72

export function passwordByteLength(password: string): number {
  return Buffer.byteLength(password, 'utf8')
}

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(password: string, hash: string): Promise<boolean>
  /** Spends the same time as a real check, so unknown accounts answer as slowly as known ones. */
  verifyAgainstNothing(password: string): Promise<void>
  close(): Promise<void>
}

interface Pending {
  resolve(value: string | boolean): void
  reject(error: Error): void
}

function workerUrl(): URL {
  // Built code loads the compiled .js; tests run the sources, where Node strips the .ts itself.
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
  return new URL(`./password-worker.${extension}`, import.meta.url)
}

/** A small pool of worker threads running bcrypt, shared round-robin. */
export function createPasswordHasher(options: { cost: number; workers: number }): PasswordHasher {
  const pending = new Map<number, Pending>()
  let nextId = 0
  const workers = Array.from({ length: options.workers }, () => {
    const worker = new Worker(workerUrl())
    worker.on('message', (message: { id: number; result?: string | boolean; error?: string }) => {
      const job = pending.get(message.id)
      if (!job) return
      pending.delete(message.id)
      if (message.error !== undefined) job.reject(new Error(message.error))
      else job.resolve(message.result as string | boolean)
    })
    worker.unref()
    return worker
  })
  let dummyHash: Promise<string> | undefined

  function run(op: 'hash' | 'verify', password: string, hash = ''): Promise<string | boolean> {
    const id = nextId++
    const worker = workers[id % workers.length] as Worker
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, op, password, cost: options.cost, hash })
    })
  }

  return {
    hash: async (password) => (await run('hash', password)) as string,
    verify: async (password, hash) => (await run('verify', password, hash)) as boolean,
    verifyAgainstNothing: async (password) => {
      dummyHash ??= run('hash', 'not-a-real-password').then(String)
      await run('verify', password, await dummyHash)
    },
    close: async () => {
      for (const job of pending.values()) job.reject(new Error('password hasher closed'))
      pending.clear()
      await Promise.all(workers.map((worker) => worker.terminate()))
    },
  }
}
