import {
  ConflictError,
  isDependencyDown,
  MalformedRequestError,
  RateLimitedError,
} from '@chatty/domain'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'

import { toAppError } from './errors.js'

describe('problem details', () => {
  it('renders the code as type, with the field errors', () => {
    const problem = new ConflictError('email-taken', 'Taken.', [
      { path: 'email', message: 'x' },
    ]).toProblem()
    expect(problem).toEqual({
      type: '/problems/email-taken',
      code: 'email-taken',
      title: 'Conflict',
      status: 409,
      detail: 'Taken.',
      errors: [{ path: 'email', message: 'x' }],
    })
  })

  it('rounds Retry-After up to whole seconds, at least one', () => {
    expect(new RateLimitedError(0.2).headers['Retry-After']).toBe('1')
    expect(new RateLimitedError(30.1).headers['Retry-After']).toBe('31')
  })

  it('maps the framework 400 for bad JSON to malformed-request', () => {
    expect(toAppError(new HTTPException(400, { message: 'Malformed JSON' }))).toBeInstanceOf(
      MalformedRequestError,
    )
  })

  it('treats a refused connection anywhere in the cause chain as a dependency outage', () => {
    const cause = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })
    expect(isDependencyDown(new Error('query failed', { cause }))).toBe(true)
    expect(toAppError(new Error('query failed', { cause }))?.status).toBe(503)
  })

  it('leaves genuine bugs unmapped so they become a logged 500', () => {
    expect(toAppError(new TypeError('x is undefined'))).toBeUndefined()
  })
})
