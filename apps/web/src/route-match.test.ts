import { describe, expect, it } from 'vitest'

import { matchPath } from './route-match.js'

describe('matchPath', () => {
  it('matches the root only for /', () => {
    expect(matchPath('/', '/')).toEqual({})
    expect(matchPath('/', '/login')).toBeNull()
  })

  it('reads decoded parameters and ignores a trailing slash', () => {
    expect(matchPath('/users/:username', '/users/ann_1/')).toEqual({ username: 'ann_1' })
    expect(matchPath('/tags/:tag', '/tags/caf%C3%A9')).toEqual({ tag: 'café' })
    expect(matchPath('/users/:username/followers', '/users/ann/followers')).toEqual({
      username: 'ann',
    })
  })

  it('refuses other lengths, other literals and empty parameters', () => {
    expect(matchPath('/users/:username', '/users/ann/followers')).toBeNull()
    expect(matchPath('/users/:username/followers', '/users/ann/following')).toBeNull()
    expect(matchPath('/posts/:id', '/posts/')).toBeNull()
    expect(matchPath('/tags/:tag', '/tags/%E0%A4%A')).toBeNull()
  })
})
