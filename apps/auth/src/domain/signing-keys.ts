import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE, type AuthUser } from '@chatty/http'
import type { EntityManager } from '@mikro-orm/core'
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  SignJWT,
} from 'jose'

import { SigningKey } from '../entities/signing-key.entity.js'

export interface TokenSigner {
  /** The public keys services verify with (served as the JWKS). */
  jwks: JSONWebKeySet
  signAccessToken(user: Omit<AuthUser, 'issuedAt'>, now: Date): Promise<string>
}

interface SignerOptions {
  issuer: string
  audience: string
  accessTokenTtlSeconds: number
}

function publicPart(jwk: JWK, kid: string): JWK {
  const { kty, crv, x } = jwk
  return { kty, crv, x, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' }
}

async function signerFor(
  privateJwk: JWK,
  kid: string,
  publicKeys: JWK[],
  options: SignerOptions,
): Promise<TokenSigner> {
  const key = await importJWK(privateJwk, ACCESS_TOKEN_ALGORITHM)
  return {
    jwks: { keys: publicKeys },
    signAccessToken: (user, now) => {
      // iat keeps its milliseconds (RFC 7519 allows fractions), so a block written in the same
      // second as a login still tells tokens from before it and after it apart.
      const issuedAt = now.getTime() / 1000
      return new SignJWT({
        sid: user.sessionId,
        role: user.role,
        ev: user.emailVerified,
        preferred_username: user.username,
      })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(user.id)
        .setJti(crypto.randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(Math.floor(issuedAt) + options.accessTokenTtlSeconds)
        .sign(key)
    },
  }
}

/**
 * The key from AUTH_JWT_PRIVATE_JWK when set (production). Otherwise the newest key in the
 * database, generated on first start; concurrent first starts converge on the same newest row.
 */
export async function loadTokenSigner(
  em: EntityManager,
  configuredJwk: string | undefined,
  options: SignerOptions,
  now: Date,
): Promise<TokenSigner> {
  if (configuredJwk) {
    const jwk = JSON.parse(configuredJwk) as JWK
    const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk))
    return signerFor(jwk, kid, [publicPart(jwk, kid)], options)
  }
  let rows = await em.find(SigningKey, {}, { orderBy: { createdAt: 'desc', kid: 'asc' } })
  if (rows.length === 0) {
    const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, {
      crv: 'Ed25519',
      extractable: true,
    })
    const jwk = await exportJWK(privateKey)
    const kid = await calculateJwkThumbprint(jwk)
    await em.upsert(SigningKey, { kid, privateJwk: jwk as Record<string, unknown>, createdAt: now })
    rows = await em.find(SigningKey, {}, { orderBy: { createdAt: 'desc', kid: 'asc' } })
  }
  const [newest] = rows as [(typeof rows)[number], ...typeof rows]
  const publicKeys = rows.map((row) => publicPart(row.privateJwk as JWK, row.kid))
  return signerFor(newest.privateJwk as JWK, newest.kid, publicKeys, options)
}
