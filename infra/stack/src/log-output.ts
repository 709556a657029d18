/** Where the runner writes the prefixed lines of every process, its own included. */
export interface LogOutput {
  line(source: string, text: string, stream?: 'stdout' | 'stderr'): void
}

const COLOURS = [36, 35, 33, 32, 34, 91, 96, 95, 93, 92]
const LEVEL_COLOURS: Record<string, number> = {
  fatal: 91,
  error: 91,
  warn: 33,
  debug: 90,
  trace: 90,
}

/** Splits a byte stream into lines; `flush` emits a trailing line that had no newline. */
export function createLineSplitter(onLine: (line: string) => void): {
  push(chunk: Buffer | string): void
  flush(): void
} {
  let pending = ''
  return {
    push(chunk) {
      pending += chunk.toString()
      const lines = pending.split(/\r?\n/)
      pending = lines.pop() ?? ''
      for (const line of lines) onLine(line)
    },
    flush() {
      if (pending) onLine(pending)
      pending = ''
    },
  }
}

/**
 * A pino JSON line as `LEVEL message key=value …` for people watching a terminal; any other line
 * comes back unchanged.
 */
export function humanizeLogLine(line: string, colour: boolean): string {
  if (!line.startsWith('{')) return line
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  if (typeof record.level !== 'string' || typeof record.msg !== 'string') return line
  const { level, msg, time: _time, service: _service, ...rest } = record
  const fields = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
  const label = level.toUpperCase().padEnd(5)
  const coloured =
    colour && LEVEL_COLOURS[level] ? `\x1b[${LEVEL_COLOURS[level]}m${label}\x1b[0m` : label
  const dimFields = fields && colour ? `\x1b[2m${fields}\x1b[0m` : fields
  return [coloured, msg, dimFields].filter(Boolean).join(' ')
}

/** Prefixes each line with its source, aligned to the longest name; coloured on a terminal. */
export function createPrefixedOutput(options: {
  names: readonly string[]
  write: (text: string) => void
  colour: boolean
}): LogOutput {
  const width = Math.max(...options.names.map((name) => name.length), 5)
  const colourOf = new Map(
    options.names.map((name, index) => [name, COLOURS[index % COLOURS.length]]),
  )
  return {
    line(source, text) {
      const label = source.padEnd(width)
      const code = colourOf.get(source)
      const prefix = options.colour && code ? `\x1b[${code}m${label} |\x1b[0m` : `${label} |`
      options.write(`${prefix} ${humanizeLogLine(text, options.colour)}\n`)
    },
  }
}
