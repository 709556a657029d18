import { describe, expect, it } from 'vitest'

import { keyedHash, newOpaqueToken, newVerificationCode, sameHash, sha256 } from './secrets.js'

describe('opaque tokens', () => {
  it('carry 256 random bits, URL-safe', () => {
    const token = newOpaqueToken()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token, 'base64url')).toHaveLength(32)
  })

  it('never repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newOpaqueToken))
    expect(tokens.size).toBe(1000)
  })
})

describe('sha256', () => {
  it('is the hex SHA-256 digest, so a stored hash finds its token again', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256('abc')).toBe(sha256('abc'))
    expect(sha256('abd')).not.toBe(sha256('abc'))
  })
})

describe('verification codes', () => {
  it('are six digits, zero-padded', () => {
    for (let draw = 0; draw < 2000; draw++) expect(newVerificationCode()).toMatch(/^\d{6}$/)
  })

  it('are keyed with the server secret, so the same code hashes differently under another secret', () => {
    expect(keyedHash('secret', '123456')).toMatch(/^[0-9a-f]{64}$/)
    expect(keyedHash('secret', '123456')).toBe(keyedHash('secret', '123456'))
    expect(keyedHash('other', '123456')).not.toBe(keyedHash('secret', '123456'))
    expect(keyedHash('secret', '123456')).not.toBe(sha256('123456'))
  })
})

describe('comparing hashes', () => {
  it('matches equal hashes and no others', () => {
    const hash = keyedHash('secret', '123456')
    expect(sameHash(hash, keyedHash('secret', '123456'))).toBe(true)
    expect(sameHash(hash, keyedHash('secret', '654321'))).toBe(false)
  })

  it('answers false rather than throwing for hashes of different lengths', () => {
    expect(sameHash(sha256('x'), sha256('x').slice(0, 32))).toBe(false)
    expect(sameHash(sha256('x'), '')).toBe(false)
  })
})
