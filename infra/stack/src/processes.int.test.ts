import { readFileSync } from 'node:fs'

import { eventually } from '@chatty/testing'
import { describe, expect, it } from 'vitest'

import type { LogOutput } from './log-output.js'
import { createProcessGroup, type ProcessExit } from './processes.js'

/** Alive and not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

function collector(): LogOutput & { lines: string[] } {
  const lines: string[] = []
  return { lines, line: (source, text) => lines.push(`${source}: ${text}`) }
}

function node(name: string, script: string) {
  return { name, command: process.execPath, args: ['-e', script], env: {}, cwd: process.cwd() }
}

describe('process group', () => {
  it('prefixes every output line of a child with its name', async () => {
    const output = collector()
    const group = createProcessGroup(output)
    const child = group.start(
      node('talker', "console.log('one'); console.error('two'); process.stdout.write('three')"),
    )
    await child.exited
    await group.stop(1_000)
    expect(output.lines).toEqual(
      expect.arrayContaining(['talker: one', 'talker: two', 'talker: three']),
    )
  })

  it('reports a child that dies on its own, but not the ones it stops', async () => {
    const group = createProcessGroup(collector())
    const exits: ProcessExit[] = []
    group.onUnexpectedExit((exit) => exits.push(exit))
    group.start(node('crasher', 'setTimeout(() => process.exit(3), 50)'))
    const sleeper = group.start(node('sleeper', 'setInterval(() => {}, 1000)'))
    await eventually(() => expect(exits).toEqual([{ name: 'crasher', code: 3, signal: null }]))
    await group.stop(2_000)
    expect(await sleeper.exited).toEqual({ name: 'sleeper', code: null, signal: 'SIGTERM' })
    expect(exits).toHaveLength(1)
  })

  it('kills one child on request without reporting it, and can start it again', async () => {
    const group = createProcessGroup(collector())
    const exits: ProcessExit[] = []
    group.onUnexpectedExit((exit) => exits.push(exit))
    const spec = node('victim', 'setInterval(() => {}, 1000)')
    const first = group.start(spec)
    expect(await group.kill('victim', 'SIGKILL')).toEqual({
      name: 'victim',
      code: null,
      signal: 'SIGKILL',
    })
    expect(isAlive(first.pid)).toBe(false)
    const second = group.start(spec)
    expect(isAlive(second.pid)).toBe(true)
    await group.stop(2_000)
    expect(exits).toEqual([])
    await expect(group.kill('victim', 'SIGKILL')).rejects.toThrow('victim is not running')
  })

  it('kills a child that ignores SIGTERM once the timeout has passed', async () => {
    const output = collector()
    const group = createProcessGroup(output)
    const stubborn = group.start(
      node(
        'stubborn',
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); setInterval(() => {}, 1000); console.log('ready')",
      ),
    )
    await eventually(() => expect(output.lines).toContain('stubborn: ready'))
    const started = Date.now()
    await group.stop(300)
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    expect(await stubborn.exited).toMatchObject({ signal: 'SIGKILL' })
    expect(output.lines).toContain('stubborn: ignoring SIGTERM')
    expect(output.lines).toContain('stack: stubborn did not stop within 300 ms: SIGKILL')
    expect(isAlive(stubborn.pid)).toBe(false)
  })

  it('leaves nothing behind that a child started itself', async () => {
    const output = collector()
    const group = createProcessGroup(output)
    group.start(
      node(
        'parent',
        `const { spawn } = require('node:child_process')
         const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
         console.log('grandchild ' + grandchild.pid)
         process.on('SIGTERM', () => process.exit(0))
         setInterval(() => {}, 1000)`,
      ),
    )
    const line = await eventually(() => {
      const found = output.lines.find((entry) => entry.startsWith('parent: grandchild '))
      if (!found) throw new Error('no grandchild yet')
      return found
    })
    const grandchild = Number(line.split(' ').pop())
    expect(isAlive(grandchild)).toBe(true)
    await group.stop(2_000)
    await eventually(() => expect(isAlive(grandchild)).toBe(false), 2_000)
  })

  it('stops only once, however often it is asked', async () => {
    const group = createProcessGroup(collector())
    group.start(node('sleeper', 'setInterval(() => {}, 1000)'))
    const first = group.stop(1_000)
    expect(group.stop(1_000)).toBe(first)
    await first
    expect(() => group.start(node('late', ''))).toThrow(/stopping/)
  })
})
