import { randomBytes } from 'node:crypto'

import { UserRegistered, uuidv7 } from '@chatty/contracts'
import { type ServiceHarness, startServiceHarness } from '@chatty/service/testing'
import { createTestIssuer, type TestIssuer } from '@chatty/testing'

import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { type AdminContext, createContext } from '../context.js'
import { entities, migrations } from '../orm.js'
import { SERVICE } from '../service.js'

export type Role = 'user' | 'moderator' | 'admin'

export interface KnownUser {
  id: string
  username: string
  email: string
  displayName: string
  role: Role
  token: string
}

export interface AdminHarness extends ServiceHarness<AdminContext, ReturnType<typeof createApp>> {
  issuer: TestIssuer
  /** A user announced by auth (UserRegistered), once admin's projection has it. */
  registerUser(options?: { role?: Role; label?: string; displayName?: string }): Promise<KnownUser>
  /** A token for someone admin's projection does not have to know (role comes from the token). */
  tokenFor(role: Role): Promise<string>
}

export interface AdminHarnessOptions {
  clock?: () => Date
  /** Extra environment, e.g. BAN_EXPIRY_INTERVAL_MS. */
  env?: Record<string, string>
}

/** admin in-process on its own database and its own exchange names, with tokens minted here. */
export async function startAdmin(options: AdminHarnessOptions = {}): Promise<AdminHarness> {
  const issuer = await createTestIssuer()
  const harness = await startServiceHarness({
    service: SERVICE,
    entities,
    migrations,
    loadConfig,
    createContext,
    createApp,
    env: options.env,
    overrides: { clock: options.clock, tokenKeys: issuer.jwks },
    retryDelaysMs: [50, 100, 200],
  })

  return {
    ...harness,
    issuer,
    registerUser: async (options = {}) => {
      const suffix = randomBytes(4).toString('hex')
      const role = options.role ?? 'user'
      const username = `${options.label ?? role}_${suffix}`
      const user = {
        id: uuidv7(),
        username,
        email: `${username}@example.test`,
        displayName: options.displayName ?? `Display ${suffix}`,
        role,
      }
      await harness.deliver(
        UserRegistered,
        {
          userId: user.id,
          username: user.username,
          email: user.email,
          displayName: user.displayName,
          role,
          registeredAt: new Date().toISOString(),
        },
        { producer: 'auth' },
      )
      return { ...user, token: await issuer.sign({ id: user.id, username, role }) }
    },
    tokenFor: (role) =>
      issuer.sign({ id: uuidv7(), username: `${role}_${randomBytes(3).toString('hex')}`, role }),
  }
}
