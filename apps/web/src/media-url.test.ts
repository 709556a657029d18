import { describe, expect, it } from 'vitest'

import { pictureSource } from './media-url.js'

const origin = 'http://127.0.0.1:8080'

describe('pictureSource', () => {
  it('serves a Chatty media URL from this origin, whatever host the API wrote', () => {
    expect(pictureSource('http://localhost:8080/media/AbC_12-xyzxyzxyzxyz.png', origin)).toBe(
      '/media/AbC_12-xyzxyzxyzxyz.png',
    )
    expect(pictureSource('https://chatty.example/media/abcdefghijklmnop.webp', origin)).toBe(
      '/media/abcdefghijklmnop.webp',
    )
  })

  it('keeps a same-origin URL and drops pictures the policy would block', () => {
    expect(pictureSource('/other.png', origin)).toBe('http://127.0.0.1:8080/other.png')
    expect(pictureSource('https://elsewhere.example/avatar.png', origin)).toBeNull()
    expect(pictureSource('javascript:alert(1)', origin)).toBeNull()
    expect(pictureSource(null, origin)).toBeNull()
  })
})
