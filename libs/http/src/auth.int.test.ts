import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { UnauthorizedError, UnavailableError } from '@chatty/domain'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  createAccessTokenVerifier,
  REVOCATION_OWNERS,
  revocationKeys,
  writeRevocationMarks,
} from './auth.js'
import { createRedis } from './redis.js'

// A database of its own: these tests remove the marks' "complete" keys, which every other test
// file on database 0 relies on.
const redis = createRedis(process.env.TEST_REVOCATION_REDIS_URL ?? 'redis://127.0.0.1:6379/6')
let server: Server
let answer: 'keys' | 'error' = 'keys'
let jwks: unknown
let token: string
let sessionId: string
let userId: string
let issuedAt: number
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  privateKey = pair.privateKey
  const publicKey = pair.publicKey
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' }] }
  sessionId = crypto.randomUUID()
  userId = crypto.randomUUID()
  issuedAt = Math.floor(Date.now() / 1000)
  token = await signedToken('5m')
  server = createServer((_req, res) => {
    if (answer === 'error') {
      res.writeHead(503).end('down')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve))
  await markAllComplete()
})

afterAll(async () => {
  await redis.del(
    ...REVOCATION_OWNERS.map(revocationKeys.complete),
    revocationKeys.session(sessionId),
    revocationKeys.user(userId),
  )
  redis.disconnect()
  await new Promise((resolve) => server.close(resolve))
})

/** A token of the test session, expiring at `expiresAt` (a time span or seconds since the epoch). */
function signedToken(expiresAt: string | number): Promise<string> {
  return new SignJWT({ sid: sessionId, role: 'user', preferred_username: 'ann' })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
    .setIssuer('iss')
    .setAudience('aud')
    .setSubject(userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(privateKey)
}

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

async function markAllComplete() {
  for (const owner of REVOCATION_OWNERS) await redis.set(revocationKeys.complete(owner), 'test')
}

describe('revocation marks', () => {
  const verify = () => {
    const { port } = server.address() as AddressInfo
    answer = 'keys'
    return verifierFor(`http://127.0.0.1:${port}/jwks`)(token)
  }

  it('answers 503 while any owner of revocations has not restored its marks, then accepts', async () => {
    await markAllComplete()
    await redis.del(revocationKeys.complete('admin'))
    await expect(verify()).rejects.toMatchObject({ status: 503, code: 'unavailable' })
    await markAllComplete()
    await expect(verify()).resolves.toMatchObject({ id: userId })
  })

  it('refuses a token of a revoked session, and tokens issued before an account was blocked', async () => {
    await markAllComplete()
    await writeRevocationMarks(redis, { sessions: [sessionId] }, 60)
    await expect(verify()).rejects.toBeInstanceOf(UnauthorizedError)
    await redis.del(revocationKeys.session(sessionId))
    await writeRevocationMarks(
      redis,
      { users: [{ id: userId, since: new Date(issuedAt * 1000) }] },
      60,
    )
    await expect(verify()).rejects.toBeInstanceOf(UnauthorizedError)
    await redis.del(revocationKeys.user(userId))
  })

  it('keeps the later of two blocks of one account, whichever is written last', async () => {
    const later = new Date(issuedAt * 1000 + 5_000)
    const earlier = new Date(issuedAt * 1000 - 60_000)
    await writeRevocationMarks(redis, { users: [{ id: userId, since: later }] }, 60)
    await writeRevocationMarks(redis, { users: [{ id: userId, since: earlier }] }, 60)
    expect(await redis.get(revocationKeys.user(userId))).toBe(String(later.getTime()))
    await redis.del(revocationKeys.user(userId))
  })
})

describe('a verifier that remembers the tokens it has verified', () => {
  const verifier = () => {
    const { port } = server.address() as AddressInfo
    answer = 'keys'
    return verifierFor(`http://127.0.0.1:${port}/jwks`)
  }

  it('refuses a remembered token as soon as its session is revoked, and accepts it again after', async () => {
    await markAllComplete()
    const verify = verifier()
    await expect(verify(token)).resolves.toMatchObject({ id: userId })
    await writeRevocationMarks(redis, { sessions: [sessionId] }, 60)
    await expect(verify(token)).rejects.toBeInstanceOf(UnauthorizedError)
    await redis.del(revocationKeys.session(sessionId))
    await expect(verify(token)).resolves.toMatchObject({ id: userId })
  })

  it('refuses a remembered token once it has expired', async () => {
    await markAllComplete()
    const expiresAt = Math.floor(Date.now() / 1000) + 2
    const shortLived = await signedToken(expiresAt)
    const verify = verifier()
    await expect(verify(shortLived)).resolves.toMatchObject({ id: userId })
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50))
    await expect(verify(shortLived)).rejects.toBeInstanceOf(UnauthorizedError)
  })
})
