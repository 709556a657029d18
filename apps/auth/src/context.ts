import { revocationTtlSeconds } from '@chatty/http'
import {
  createHttpServiceFoundation,
  type HttpServiceFoundation,
  revocationRestorer,
  type ServiceOverrides,
} from '@chatty/service'

import type { AuthConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createPasswordHasher, type PasswordHasher } from './domain/passwords.js'
import { sessionsRevokedSince } from './domain/sessions.js'
import { loadTokenSigner, type TokenSigner } from './domain/signing-keys.js'
import { entities, migrations } from './orm.js'

export interface AuthContext extends HttpServiceFoundation {
  config: AuthConfig
  passwords: PasswordHasher
  signer: TokenSigner
}

export type AuthOverrides = Omit<ServiceOverrides, 'tokenKeys'>

export async function createContext(
  config: AuthConfig,
  overrides: AuthOverrides = {},
): Promise<AuthContext> {
  const now = overrides.clock ?? (() => new Date())
  let signer: TokenSigner | undefined
  const foundation = await createHttpServiceFoundation(config, {
    entities,
    migrations,
    overrides,
    // auth verifies its own tokens with the keys it signs with.
    tokenKeys: async (orm) => {
      signer = await loadTokenSigner(orm.em.fork(), config.jwt.privateJwk, config.jwt, now())
      return signer.jwks
    },
  })
  if (!signer) throw new Error('the signing key was not loaded')
  const passwords = createPasswordHasher({
    cost: config.bcryptCost,
    workers: config.passwordWorkers,
  })
  foundation.addCloseable(() => passwords.close())
  foundation.addBackgroundJob(
    'revocation-marks',
    revocationRestorer({
      redis: foundation.redis,
      owner: 'auth',
      ttlSeconds: revocationTtlSeconds(config.jwt),
      load: (since) => sessionsRevokedSince(foundation.orm.em.fork(), { since }),
      clock: foundation.clock,
      logger: foundation.logger,
    }),
  )
  const context: AuthContext = {
    ...foundation,
    config,
    passwords,
    signer,
    // Consumers are registered when the service starts, after the HTTP app is built.
    start: async () => {
      registerConsumers(context)
      await foundation.start()
    },
  }
  return context
}
