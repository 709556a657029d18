import {
  createServiceFoundation,
  type ServiceFoundation,
  type ServiceOverrides,
} from '@chatty/service'

import type { AuthConfig } from './config.js'
import { registerConsumers } from './consumers/index.js'
import { createPasswordHasher, type PasswordHasher } from './domain/passwords.js'
import { loadTokenSigner, type TokenSigner } from './domain/signing-keys.js'
import { entities, migrations } from './orm.js'

export const SERVICE = 'auth'

export interface AuthContext extends ServiceFoundation {
  config: AuthConfig
  passwords: PasswordHasher
  signer: TokenSigner
  /** Registers the consumers and starts messaging (after the HTTP app is built). */
  start(): Promise<void>
}

export type AuthOverrides = Omit<ServiceOverrides, 'tokenKeys'>

export async function createContext(
  config: AuthConfig,
  overrides: AuthOverrides = {},
): Promise<AuthContext> {
  const now = overrides.clock ?? (() => new Date())
  let signer: TokenSigner | undefined
  const foundation = await createServiceFoundation(config, {
    service: SERVICE,
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
  let closing: Promise<void> | undefined

  const context: AuthContext = {
    ...foundation,
    config,
    passwords,
    signer,
    start: async () => {
      registerConsumers(context)
      foundation.messaging.start()
    },
    close: () => {
      closing ??= (async () => {
        await foundation.close()
        await passwords.close()
      })()
      return closing
    },
  }
  return context
}
