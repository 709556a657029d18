import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

import { mergeDotEnv } from '@chatty/config'

import { createPrefixedOutput } from './log-output.js'
import { repositoryRoot } from './paths.js'
import { planOrExplain, planStack, TEST_PROFILES, type TestProfile } from './plan.js'
import { describeExit } from './processes.js'
import { type RunningStack, StackError, startStack } from './stack.js'
import { deleteBrokerObjects } from './state.js'

/** What a tier hands its tests besides the stack itself, and takes back afterwards. */
export interface TierAttachment {
  env: Record<string, string>
  close(): Promise<void>
}

export interface TestTier {
  /** The stack profile, also the name of the vitest project unless `project` names another. */
  profile: TestProfile
  project?: string
  /** Runs once the stack is ready, before vitest starts (a control endpoint for the tests). */
  attach?(stack: RunningStack): Promise<TierAttachment>
}

/**
 * Starts the stack in a test profile, runs its vitest project against it, stops the stack and
 * removes its broker objects; exits with vitest's status.
 */
export async function runTestTier(tier: TestTier): Promise<never> {
  const root = repositoryRoot()
  const env = mergeDotEnv(process.env, join(root, '.env'))
  const plan = planOrExplain(() =>
    planStack(env, { profile: tier.profile, rootDir: root, nodeBinary: process.execPath }),
  )
  const settings = TEST_PROFILES[tier.profile]

  // The services' logs would drown vitest's report, so they go to a file that failures point to.
  mkdirSync(plan.stateDir, { recursive: true })
  const logPath = join(plan.stateDir, 'stack.log')
  const logFile = createWriteStream(logPath)
  const output = createPrefixedOutput({
    names: [
      'stack',
      'mailbox',
      'nginx',
      ...plan.services.map((service) => service.definition.name),
    ],
    write: (text) => logFile.write(text),
    colour: false,
  })
  const say = (text: string) => console.log(`[${tier.profile}] ${text}`)
  const logHint = `service logs: ${relative(process.cwd(), logPath)}`
  const tailOfLog = (lines: number) =>
    readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')

  const interrupt = new AbortController()
  process.on('SIGINT', () => interrupt.abort())
  process.on('SIGTERM', () => interrupt.abort())

  let exitCode = 1
  say(
    `starting the stack on ${plan.gateway.port} (fresh databases ${settings.databasePrefix}*, ${logHint})`,
  )
  try {
    const stack = await startStack(plan, { output, env, signal: interrupt.signal })
    const attachment = await tier.attach?.(stack)
    const project = tier.project ?? tier.profile
    say(`stack ready, running vitest --project ${project}`)
    const vitest = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--project',
        project,
        ...process.argv.slice(2),
      ],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          // The names of tests/e2e/support, which every black-box tier uses.
          E2E_BASE_URL: `http://127.0.0.1:${plan.gateway.port}`,
          E2E_MAILPIT_URL: `http://127.0.0.1:${settings.mailboxHttpPort}`,
          E2E_ADMIN_USERNAME: settings.admin.username,
          E2E_ADMIN_EMAIL: settings.admin.email,
          E2E_ADMIN_PASSWORD: settings.admin.password,
          ...attachment?.env,
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
    await attachment?.close()
    await stack.stop()
    await deleteBrokerObjects(plan.amqpUrl, plan.messagingPrefix)
    if (exitCode !== 0) say(`failed; ${logHint}\n${tailOfLog(40)}`)
  } catch (error) {
    say(error instanceof StackError ? error.message : String(error))
    say(`${logHint}; its end:\n${tailOfLog(40)}`)
    exitCode = 1
  }
  await new Promise<void>((resolve) => logFile.end(resolve))
  process.exit(exitCode)
}
