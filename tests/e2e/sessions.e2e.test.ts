import { describe, expect, it } from 'vitest'

import { expectJson, expectProblem, type Me, post, request, type Tokens } from './support/api.js'
import { login, registerVerifiedUser } from './support/users.js'

function refresh(refreshToken: string) {
  return post('/api/auth/refresh', { refreshToken })
}

describe('refresh tokens', () => {
  it('rotates: the refresh gives new tokens and the old refresh token stops working', async () => {
    const user = await registerVerifiedUser()
    const first = await login(user)

    const second = expectJson<Tokens>(await refresh(first.refreshToken), 200)
    expect(second).toMatchObject({ tokenType: 'Bearer', user: { id: user.me.id } })
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expectJson<Me>(await request('/api/auth/me', { token: second.accessToken }), 200)

    expectProblem(await refresh(first.refreshToken), 401, 'invalid-refresh-token')
  })

  it('treats reuse of a rotated token as theft and kills the newer token too', async () => {
    const user = await registerVerifiedUser()
    const first = await login(user)
    const second = expectJson<Tokens>(await refresh(first.refreshToken), 200)

    expectProblem(await refresh(first.refreshToken), 401, 'invalid-refresh-token')

    expectProblem(await refresh(second.refreshToken), 401, 'invalid-refresh-token')
  })

  it('refuses a refresh token that was never issued', async () => {
    expectProblem(await refresh('not-a-real-refresh-token'), 401, 'invalid-refresh-token')
  })
})

describe('logout', () => {
  it('answers 204 and the session access token stops working at once', async () => {
    const user = await registerVerifiedUser()
    const tokens = await login(user)
    expectJson<Me>(await request('/api/auth/me', { token: tokens.accessToken }), 200)

    const response = await post('/api/auth/logout', { refreshToken: tokens.refreshToken })
    expect(response.status).toBe(204)
    expect(response.text).toBe('')

    expectProblem(await request('/api/auth/me', { token: tokens.accessToken }), 401, 'unauthorized')
    expectProblem(await refresh(tokens.refreshToken), 401, 'invalid-refresh-token')
  })

  it('ends only that session: another login of the same account keeps working', async () => {
    const user = await registerVerifiedUser()
    const phone = await login(user)
    const laptop = await login(user, user.email)

    expect((await post('/api/auth/logout', { refreshToken: phone.refreshToken })).status).toBe(204)

    expectJson<Me>(await request('/api/auth/me', { token: laptop.accessToken }), 200)
    expectJson<Tokens>(await refresh(laptop.refreshToken), 200)
  })
})
