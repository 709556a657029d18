import { describe, expect, it } from 'vitest'

import { problemOf } from './api.js'

describe('problemOf', () => {
  it("keeps the API's problem details and finds a field's message by its path", async () => {
    const body = {
      code: 'validation-failed',
      title: 'Validation failed',
      status: 422,
      detail: 'The request has invalid fields.',
      errors: [{ path: 'username', message: 'Too short' }],
    }
    const error = await problemOf(
      new Response(JSON.stringify(body), {
        status: 422,
        headers: { 'content-type': 'application/problem+json' },
      }),
    )
    expect(error.problem).toEqual(body)
    expect(error.fieldMessage('username')).toBe('Too short')
    expect(error.fieldMessage('email')).toBeUndefined()
  })

  it('makes a problem of the status line when the body is not JSON', async () => {
    const error = await problemOf(
      new Response('<html>bad gateway</html>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'content-type': 'text/html' },
      }),
    )
    expect(error.problem).toMatchObject({ status: 502, title: 'Bad Gateway' })
  })
})
