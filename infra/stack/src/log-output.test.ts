import { describe, expect, it } from 'vitest'

import { createLineSplitter, createPrefixedOutput, humanizeLogLine } from './log-output.js'

describe('line splitter', () => {
  it('joins chunks into whole lines and flushes a trailing partial one', () => {
    const lines: string[] = []
    const splitter = createLineSplitter((line) => lines.push(line))
    splitter.push('one\ntw')
    splitter.push('o\r\nthree')
    expect(lines).toEqual(['one', 'two'])
    splitter.flush()
    expect(lines).toEqual(['one', 'two', 'three'])
  })
})

describe('prefixed output', () => {
  it('aligns the process names', () => {
    let written = ''
    const output = createPrefixedOutput({
      names: ['stack', 'email-consumer'],
      write: (text) => (written += text),
      colour: false,
    })
    output.line('stack', 'hello')
    output.line('email-consumer', 'hi')
    expect(written).toBe('stack          | hello\nemail-consumer | hi\n')
  })

  it('colours the prefix on a terminal', () => {
    let written = ''
    const output = createPrefixedOutput({
      names: ['auth'],
      write: (t) => (written += t),
      colour: true,
    })
    output.line('auth', 'x')
    const escape = String.fromCharCode(27)
    expect(written).toBe(`${escape}[36mauth  |${escape}[0m x\n`)
  })
})

describe('humanizeLogLine', () => {
  it('turns a pino line into level, message and fields', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-01-01T00:00:00.000Z',
      service: 'auth',
      name: 'http',
      msg: 'request',
      status: 200,
    })
    expect(humanizeLogLine(line, false)).toBe('INFO  request name=http status=200')
  })

  it('leaves other lines alone', () => {
    expect(humanizeLogLine('plain text', false)).toBe('plain text')
    expect(humanizeLogLine('{"not": "pino"}', false)).toBe('{"not": "pino"}')
    expect(humanizeLogLine('{broken', false)).toBe('{broken')
  })
})
