import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

import { createLineSplitter, type LogOutput } from './log-output.js'

export interface ProcessSpec {
  name: string
  command: string
  args: readonly string[]
  env: Readonly<Record<string, string | undefined>>
  cwd: string
}

export interface ProcessExit {
  name: string
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ManagedProcess {
  name: string
  pid: number
  /** Settles when the process has exited, whoever stopped it. */
  exited: Promise<ProcessExit>
  isRunning(): boolean
}

export interface ProcessGroup {
  start(spec: ProcessSpec): ManagedProcess
  list(): readonly ManagedProcess[]
  /** Called when a process exits while the group is not stopping, unless `kill` ended it. */
  onUnexpectedExit(listener: (exit: ProcessExit) => void): void
  /** Sends `signal` to the running process called `name` and waits until it has exited. */
  kill(name: string, signal: NodeJS.Signals): Promise<ProcessExit>
  /**
   * SIGTERM to every process (and its children), SIGKILL to whatever still runs after
   * `timeoutMs`. Resolves once all have exited. Idempotent.
   */
  stop(timeoutMs: number): Promise<void>
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    // Each child leads its own process group, so this also reaches what it spawned (nginx workers).
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

/** Child processes that live and die together, their output prefixed with their names. */
export function createProcessGroup(output: LogOutput): ProcessGroup {
  const processes: { managed: ManagedProcess; child: ChildProcess }[] = []
  const listeners: ((exit: ProcessExit) => void)[] = []
  const killed = new Set<ManagedProcess>()
  let stopping: Promise<void> | undefined

  // A last resort if the runner dies without stopping the group (an uncaught error): exit
  // handlers must be synchronous, so nothing can be waited for here.
  const killOnExit = () => {
    for (const { managed, child } of processes)
      if (managed.isRunning()) signalGroup(child, 'SIGKILL')
  }
  process.on('exit', killOnExit)

  return {
    start(spec) {
      if (stopping) throw new Error(`Cannot start ${spec.name}: the stack is stopping`)
      const child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
      let running = true
      for (const [stream, name] of [
        [child.stdout, 'stdout'],
        [child.stderr, 'stderr'],
      ] as const) {
        const splitter = createLineSplitter((line) => output.line(spec.name, line, name))
        stream?.on('data', (chunk: Buffer) => splitter.push(chunk))
        stream?.on('end', () => splitter.flush())
      }
      const exited = new Promise<ProcessExit>((resolve) => {
        child.once('error', (error) => {
          output.line(spec.name, `failed to start: ${error.message}`, 'stderr')
          running = false
          resolve({ name: spec.name, code: null, signal: null })
        })
        child.once('exit', (code, signal) => {
          running = false
          resolve({ name: spec.name, code, signal })
        })
      })
      const managed: ManagedProcess = {
        name: spec.name,
        pid: child.pid ?? -1,
        exited,
        isRunning: () => running,
      }
      processes.push({ managed, child })
      void exited.then((exit) => {
        if (!stopping && !killed.has(managed)) for (const listener of listeners) listener(exit)
      })
      return managed
    },

    list: () => processes.map(({ managed }) => managed),

    onUnexpectedExit(listener) {
      listeners.push(listener)
    },

    kill(name, signal) {
      const entry = processes.find(({ managed }) => managed.name === name && managed.isRunning())
      if (!entry) return Promise.reject(new Error(`${name} is not running`))
      killed.add(entry.managed)
      signalGroup(entry.child, signal)
      return entry.managed.exited
    },

    stop(timeoutMs) {
      stopping ??= (async () => {
        const running = processes.filter(({ managed }) => managed.isRunning())
        for (const { child } of running) signalGroup(child, 'SIGTERM')
        const allExited = Promise.all(running.map(({ managed }) => managed.exited))
        const timedOut = await Promise.race([
          allExited.then(() => false),
          sleep(timeoutMs).then(() => true),
        ])
        if (timedOut) {
          for (const { managed, child } of running) {
            if (!managed.isRunning()) continue
            output.line('stack', `${managed.name} did not stop within ${timeoutMs} ms: SIGKILL`)
            signalGroup(child, 'SIGKILL')
          }
          await allExited
        }
        process.off('exit', killOnExit)
      })()
      return stopping
    },
  }
}
