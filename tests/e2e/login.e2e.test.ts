import { describe, expect, it } from 'vitest'

import { type ApiResponse, expectProblem, post, type Problem } from './support/api.js'
import { login, registerUser, registerVerifiedUser, uniqueSuffix } from './support/users.js'

/** Fields that may legitimately differ between two responses, such as a per-request id. */
function withoutPerRequestFields(problem: Problem): Partial<Problem> {
  const {
    instance: _instance,
    requestId: _requestId,
    ...rest
  } = problem as Problem & {
    instance?: unknown
    requestId?: unknown
  }
  return rest
}

/** Retry-After must be one delay in seconds (RFC 9110), something a client can wait for. */
function expectRetryAfter(response: ApiResponse): void {
  const retryAfter = response.headers.get('retry-after')
  expect(retryAfter).toMatch(/^\d+$/)
  expect(Number(retryAfter)).toBeGreaterThan(0)
}

describe('login', () => {
  it('answers a wrong password and an unknown user with the same 401 body', async () => {
    const user = await registerUser()

    const wrongPassword = expectProblem(
      await post('/api/auth/login', { login: user.username, password: `${user.password}-wrong` }),
      401,
      'invalid-credentials',
    )
    const unknownUser = expectProblem(
      await post('/api/auth/login', { login: `ghost_${uniqueSuffix()}`, password: user.password }),
      401,
      'invalid-credentials',
    )
    const unknownEmail = expectProblem(
      await post('/api/auth/login', {
        login: `ghost-${uniqueSuffix()}@example.com`,
        password: user.password,
      }),
      401,
      'invalid-credentials',
    )

    expect(withoutPerRequestFields(unknownUser)).toEqual(withoutPerRequestFields(wrongPassword))
    expect(withoutPerRequestFields(unknownEmail)).toEqual(withoutPerRequestFields(wrongPassword))
  })

  it('locks an account after 5 failed logins with 429 and Retry-After, even for the right password', async () => {
    const user = await registerVerifiedUser()
    const wrong = { login: user.username, password: `${user.password}-wrong` }

    for (let attempt = 1; attempt <= 5; attempt++) {
      expectProblem(await post('/api/auth/login', wrong), 401, 'invalid-credentials')
    }

    const limited = await post('/api/auth/login', wrong)
    expectProblem(limited, 429, 'rate-limited')
    expectRetryAfter(limited)

    // Otherwise a guesser could tell the right password apart while the account is locked.
    const rightPassword = await post('/api/auth/login', {
      login: user.username,
      password: user.password,
    })
    expectProblem(rightPassword, 429, 'rate-limited')
    expectRetryAfter(rightPassword)
  })

  it('counts failures per account, so other accounts still log in', async () => {
    const locked = await registerUser()
    const other = await registerVerifiedUser()

    for (let attempt = 1; attempt <= 6; attempt++) {
      await post('/api/auth/login', { login: locked.username, password: 'wrong-password' })
    }
    expectProblem(
      await post('/api/auth/login', { login: locked.username, password: 'wrong-password' }),
      429,
      'rate-limited',
    )

    expect((await login(other)).user.id).toBe(other.me.id)
  })
})
