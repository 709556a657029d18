import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { UnauthorizedError, UnavailableError } from '@chatty/domain'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createAccessTokenVerifier } from './auth.js'
import { createRedis } from './redis.js'

const redis = createRedis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379')
let server: Server
let answer: 'keys' | 'error' = 'keys'
let jwks: unknown
let token: string

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] }
  token = await new SignJWT({ sid: crypto.randomUUID(), role: 'user', preferred_username: 'ann' })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
    .setIssuer('iss')
    .setAudience('aud')
    .setSubject(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey)
  server = createServer((_req, res) => {
    if (answer === 'error') {
      res.writeHead(503).end('down')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  redis.disconnect()
  await new Promise((resolve) => server.close(resolve))
})

const verifierFor = (url: string) =>
  createAccessTokenVerifier({ keys: new URL(url), issuer: 'iss', audience: 'aud', redis })

describe('access tokens verified against a remote JWKS', () => {
  it('accepts a token signed with a published key', async () => {
    const { port } = server.address() as AddressInfo
    answer = 'keys'
    await expect(verifierFor(`http://127.0.0.1:${port}/jwks`)(token)).resolves.toMatchObject({
      username: 'ann',
      role: 'user',
    })
  })

  it('answers 503, not 401, while the keys cannot be fetched', async () => {
    const { port } = server.address() as AddressInfo
    answer = 'error'
    await expect(verifierFor(`http://127.0.0.1:${port}/jwks`)(token)).rejects.toBeInstanceOf(
      UnavailableError,
    )
    await expect(verifierFor('http://127.0.0.1:1/jwks')(token)).rejects.toBeInstanceOf(
      UnavailableError,
    )
  })

  it('still answers 401 for a token that is simply bad', async () => {
    const { port } = server.address() as AddressInfo
    answer = 'keys'
    await expect(verifierFor(`http://127.0.0.1:${port}/jwks`)('a.b.c')).rejects.toBeInstanceOf(
      UnauthorizedError,
    )
  })
})
