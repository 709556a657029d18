import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose'

export interface TestIssuerOptions {
  issuer?: string
  audience?: string
}

/** The claims of an `AuthUser` (libs/http) that a token carries; id and username are required. */
export interface TestTokenUser {
  id: string
  username: string
  sessionId?: string
  role?: 'user' | 'moderator' | 'admin'
  emailVerified?: boolean
}

export interface TestIssuer {
  /** The public key set to hand to `createAccessTokenVerifier({ keys })`. */
  jwks: JSONWebKeySet
  /**
   * An access token shaped like auth's (EdDSA, `typ: at+jwt`). Defaults: a fresh session id,
   * role `user`, a verified email, issued now, 15 minutes to live.
   */
  sign(user: TestTokenUser, options?: { issuedAt?: Date; ttlSeconds?: number }): Promise<string>
}

/** A stand-in for auth's token signer, so a service's tests can mint tokens without auth. */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const issuer = options.issuer ?? 'chatty-auth'
  const audience = options.audience ?? 'chatty'
  const kid = `test-${crypto.randomUUID()}`
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }
  return {
    jwks: { keys: [jwk] },
    sign: (user, signOptions = {}) => {
      const issuedAt = Math.floor((signOptions.issuedAt ?? new Date()).getTime() / 1000)
      return new SignJWT({
        sid: user.sessionId ?? crypto.randomUUID(),
        role: user.role ?? 'user',
        ev: user.emailVerified ?? true,
        preferred_username: user.username,
      })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(user.id)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + (signOptions.ttlSeconds ?? 900))
        .sign(privateKey)
    },
  }
}
