import { describe, expect, it } from 'vitest'

import { MESSAGES } from './messages.js'

describe('message definitions', () => {
  it.each(MESSAGES.map((definition) => [definition.type, definition] as const))(
    '%s reads the version it writes',
    (_type, definition) => {
      expect(definition.versions).toContain(definition.version)
      for (const version of definition.versions) expect(Number.isInteger(version)).toBe(true)
    },
  )
})
