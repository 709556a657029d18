import { describe, expect, it } from 'vitest'

import { databaseName, databaseUrl, quoteIdentifier, redactUrl } from './database.js'

describe('database URLs', () => {
  it('points a URL at another database on the same server', () => {
    expect(databaseUrl('postgres://u:p@db:5432/postgres?sslmode=disable', 'chatty_auth')).toBe(
      'postgres://u:p@db:5432/chatty_auth?sslmode=disable',
    )
  })

  it('reads the database name and refuses a URL without one', () => {
    expect(databaseName('postgres://db/chatty_posts')).toBe('chatty_posts')
    expect(() => databaseName('postgres://u:secret@db')).toThrow(/\*\*\*/)
  })

  it('quotes identifiers and hides passwords', () => {
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"')
    expect(redactUrl('postgres://u:secret@db/x')).toBe('postgres://u:***@db/x')
  })
})
