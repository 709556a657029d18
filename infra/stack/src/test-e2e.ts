import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

import { mergeDotEnv } from '@chatty/config'

import { createPrefixedOutput } from './log-output.js'
import { repositoryRoot } from './paths.js'
import { E2E, planOrExplain, planStack } from './plan.js'
import { describeExit } from './processes.js'
import { StackError, startStack } from './stack.js'

const root = repositoryRoot()
const env = mergeDotEnv(process.env, join(root, '.env'))
const plan = planOrExplain(() =>
  planStack(env, { profile: 'e2e', rootDir: root, nodeBinary: process.execPath }),
)

// The services' logs would drown vitest's report, so they go to a file that failures point to.
mkdirSync(plan.stateDir, { recursive: true })
const logPath = join(plan.stateDir, 'stack.log')
const logFile = createWriteStream(logPath)
const output = createPrefixedOutput({
  names: ['stack', 'mailbox', 'nginx', ...plan.services.map((service) => service.definition.name)],
  write: (text) => logFile.write(text),
  colour: false,
})
const say = (text: string) => console.log(`[e2e] ${text}`)
const logHint = `service logs: ${relative(process.cwd(), logPath)}`

function tailOfLog(lines: number): string {
  return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}

const interrupt = new AbortController()
process.on('SIGINT', () => interrupt.abort())
process.on('SIGTERM', () => interrupt.abort())

let exitCode = 1
say(`starting the stack on ${plan.gateway.port} (fresh databases chatty_e2e_*, ${logHint})`)
try {
  const stack = await startStack(plan, { output, env, signal: interrupt.signal })
  say('stack ready, running vitest --project e2e')
  const vitest = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--project',
      'e2e',
      ...process.argv.slice(2),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        E2E_BASE_URL: `http://127.0.0.1:${plan.gateway.port}`,
        E2E_MAILPIT_URL: `http://127.0.0.1:${E2E.mailboxHttpPort}`,
        E2E_ADMIN_USERNAME: E2E.admin.username,
        E2E_ADMIN_EMAIL: E2E.admin.email,
        E2E_ADMIN_PASSWORD: E2E.admin.password,
      },
    },
  )
  const vitestExit = new Promise<number>((resolve) => {
    vitest.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
    vitest.once('error', (error) => {
      say(`could not run vitest: ${error.message}`)
      resolve(1)
    })
  })
  const outcome = await Promise.race([
    vitestExit.then((code) => ({ kind: 'done' as const, code })),
    stack.crashed.then((exit) => ({ kind: 'crashed' as const, exit })),
  ])
  if (outcome.kind === 'crashed') {
    say(`${outcome.exit.name} ${describeExit(outcome.exit)} while the tests ran; stopping them`)
    vitest.kill('SIGTERM')
    await vitestExit
    exitCode = 1
  } else {
    exitCode = outcome.code
  }
  await stack.stop()
  if (exitCode !== 0) say(`failed; ${logHint}\n${tailOfLog(40)}`)
} catch (error) {
  say(error instanceof StackError ? error.message : String(error))
  say(`${logHint}; its end:\n${tailOfLog(40)}`)
  exitCode = 1
}
await new Promise<void>((resolve) => logFile.end(resolve))
process.exit(exitCode)
