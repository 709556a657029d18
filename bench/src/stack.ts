import { join } from 'node:path'

import { mergeDotEnv } from '@chatty/config'
import {
  createPrefixedOutput,
  planOrExplain,
  planStack,
  repositoryRoot,
  type RunningStack,
  startStack,
} from '@chatty/stack'

/**
 * Starts the stack in the bench profile (the same runner as `npm start`), its logs in a file, and
 * returns it with the gateway's address. `fresh` empties the bench databases first (the seed does).
 * SIGINT or SIGTERM (Ctrl-C, or a kill of this process alone) stops the stack and ends the process,
 * so no service outlives the run.
 */
export async function startBenchStack(options: { fresh: boolean }): Promise<{
  stack: RunningStack
  gatewayUrl: string
  rootDir: string
}> {
  const rootDir = repositoryRoot()
  const env = mergeDotEnv(process.env, join(rootDir, '.env'))
  const plan = planOrExplain(() =>
    planStack(env, {
      profile: 'bench',
      rootDir,
      nodeBinary: process.execPath,
      fresh: options.fresh,
    }),
  )
  const output = createPrefixedOutput({
    names: ['stack', 'mailbox', 'nginx', ...plan.services.map((s) => s.definition.name)],
    // Warnings and errors only (the profile's log level); they would interleave with the table.
    write: (text) => process.stderr.write(text),
    colour: false,
  })
  // During start-up a signal makes the runner stop what it started, and the start fails.
  const interrupt = new AbortController()
  const signals = ['SIGINT', 'SIGTERM'] as const
  const abortStart = () => interrupt.abort()
  for (const signal of signals) process.once(signal, abortStart)
  const stack = await startStack(plan, { output, env, signal: interrupt.signal })
  for (const signal of signals) {
    process.removeListener(signal, abortStart)
    process.once(signal, () => void stack.stop().finally(() => process.exit(130)))
  }
  return { stack, gatewayUrl: `http://127.0.0.1:${plan.gateway.port}`, rootDir }
}
