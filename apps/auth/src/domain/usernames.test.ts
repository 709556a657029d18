import { describe, expect, it } from 'vitest'

import { isReservedUsername, normalizeLogin, USERNAME_PATTERN } from './usernames.js'

describe('reserved usernames', () => {
  it('refuses names that shadow routes or impersonate the service, in any case', () => {
    for (const name of ['me', 'admin', 'Admin', 'ROOT', 'support', 'api', 'Chatty', 'null']) {
      expect(isReservedUsername(name)).toBe(true)
    }
  })

  it('allows ordinary names, including ones that merely contain a reserved word', () => {
    for (const name of ['alice', 'admin_fan', 'mee', 'rooted']) {
      expect(isReservedUsername(name)).toBe(false)
    }
  })
})

describe('username shape', () => {
  it('takes 3 to 30 letters, digits or underscores', () => {
    for (const name of ['abc', 'A_1', 'x'.repeat(30)])
      expect(USERNAME_PATTERN.test(name)).toBe(true)
    for (const name of ['ab', 'x'.repeat(31), 'has space', 'dash-ed', 'é_name', 'a@b.c']) {
      expect(USERNAME_PATTERN.test(name)).toBe(false)
    }
  })
})

describe('typed logins', () => {
  it('compare in any case with surrounding spaces ignored', () => {
    expect(normalizeLogin('  Alice_1 ')).toBe('alice_1')
    expect(normalizeLogin('Alice@Example.TEST')).toBe('alice@example.test')
  })

  it('keep inner characters as typed', () => {
    expect(normalizeLogin('a b')).toBe('a b')
  })
})
