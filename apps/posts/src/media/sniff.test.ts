import { describe, expect, it } from 'vitest'

import { sniffImageFormat } from './sniff.js'

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(
    parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'latin1')] : part)),
  )

describe('sniffImageFormat', () => {
  it('recognises each accepted format by its magic number', () => {
    expect(sniffImageFormat(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg')
    expect(sniffImageFormat(bytes([0x89], 'PNG\r\n\x1a\n'))).toBe('png')
    expect(sniffImageFormat(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBe('webp')
    expect(sniffImageFormat(bytes('GIF89a', [1, 0]))).toBe('gif')
    expect(sniffImageFormat(bytes('GIF87a', [1, 0]))).toBe('gif')
  })

  it('refuses other content, short prefixes and nothing at all', () => {
    expect(sniffImageFormat(bytes('%PDF-1.7\n'))).toBeNull()
    expect(sniffImageFormat(bytes('<!doctype html><script>alert(1)</script>'))).toBeNull()
    expect(sniffImageFormat(bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '))).toBeNull()
    expect(sniffImageFormat(bytes([0x89], 'PNG'))).toBeNull()
    expect(sniffImageFormat(new Uint8Array())).toBeNull()
  })
})
