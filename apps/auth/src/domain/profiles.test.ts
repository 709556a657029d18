import { describe, expect, it } from 'vitest'

import { avatarUrlOf } from './profiles.js'

const publicUrl = 'https://chatty.example'

describe('avatarUrlOf', () => {
  it.each([
    ['https://images.example/a.png', 'https://images.example/a.png'],
    ['HTTPS://Images.Example/a.png?size=2', 'https://images.example/a.png?size=2'],
    ['https://chatty.example/media/abc.webp', 'https://chatty.example/media/abc.webp'],
    ['/media/abc.webp', '/media/abc.webp'],
    ['/media/x/../abc.webp', '/media/abc.webp'],
  ])('keeps %s as %s', (value, stored) => {
    expect(avatarUrlOf(value, publicUrl)).toBe(stored)
  })

  it('accepts media of a plain-http Chatty, but no other plain-http URL', () => {
    expect(avatarUrlOf('http://localhost:8080/media/a.png', 'http://localhost:8080')).toBe(
      'http://localhost:8080/media/a.png',
    )
    expect(avatarUrlOf('http://localhost:8080/api/users', 'http://localhost:8080')).toBeNull()
    expect(avatarUrlOf('http://localhost:9090/media/a.png', 'http://localhost:8080')).toBeNull()
  })

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:image/png;base64,iVBORw0KGgo=',
    'http://images.example/a.png',
    'ftp://images.example/a.png',
    '//images.example/media/a.png',
    '/api/users/me',
    '/media/../api/users',
    '/media/%2e%2e/api/users',
    'media/a.png',
    'https://user:secret@images.example/a.png',
    'https://images.example/a b.png',
    ' https://images.example/a.png',
    'https://images.example/a\\b.png',
    '/media/a.png\u0000',
    `https://images.example/${'a'.repeat(500)}`,
    '',
  ])('refuses %j', (value) => {
    expect(avatarUrlOf(value, publicUrl)).toBeNull()
  })
})
