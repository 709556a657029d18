import { join } from 'node:path'

import { mergeDotEnv } from '@chatty/config'

import { createPrefixedOutput } from './log-output.js'
import { repositoryRoot } from './paths.js'
import { planOrExplain, planStack } from './plan.js'
import { describeExit } from './processes.js'
import { describeStack, StackError, startStack } from './stack.js'

const root = repositoryRoot()
const env = mergeDotEnv(process.env, join(root, '.env'))
const plan = planOrExplain(() =>
  planStack(env, { profile: 'local', rootDir: root, nodeBinary: process.execPath }),
)
const output = createPrefixedOutput({
  names: ['stack', 'mailbox', 'nginx', ...plan.services.map((service) => service.definition.name)],
  write: (text) => process.stdout.write(text),
  colour: process.stdout.isTTY === true,
})
const log = (text: string) => output.line('stack', text)

const interrupt = new AbortController()
const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) {
        log(`still stopping (at most ${plan.stopTimeoutMs} ms before stragglers are killed)`)
        return
      }
      interrupt.abort()
      resolve(signal)
    })
  }
})

const started = Date.now()
try {
  const stack = await startStack(plan, { output, env, signal: interrupt.signal })
  log(`Chatty is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s):`)
  for (const row of describeStack(stack)) log(row)
  log('Press Ctrl-C to stop.')

  const outcome = await Promise.race([
    stopRequested.then((signal) => ({ kind: 'signal' as const, signal })),
    stack.crashed.then((exit) => ({ kind: 'crashed' as const, exit })),
  ])
  if (outcome.kind === 'crashed') {
    log(`${outcome.exit.name} ${describeExit(outcome.exit)}: stopping everything`)
    process.exitCode = 1
  } else {
    log(`${outcome.signal}: stopping`)
  }
  await stack.stop()
  log('stopped')
} catch (error) {
  if (error instanceof StackError) {
    for (const line of error.message.split('\n')) log(line)
  } else {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  }
  process.exitCode = interrupt.signal.aborted ? 130 : 1
}
// Idle keep-alive sockets of the health checks would hold the process for a few seconds more.
process.exit()
