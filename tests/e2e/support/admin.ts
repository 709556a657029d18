import { eventually } from '@chatty/testing'
import { expect } from 'vitest'

import { type AdminUser, expectJson, type Page, request, withQuery } from './api.js'
import { eventTimeoutMs } from './social.js'
import { login, type NewUser } from './users.js'

/** The admin account the stack runner seeds, as told through the environment. */
export function adminCredentials(): NewUser {
  const { E2E_ADMIN_USERNAME, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD } = process.env
  if (!E2E_ADMIN_USERNAME || !E2E_ADMIN_EMAIL || !E2E_ADMIN_PASSWORD) {
    throw new Error(
      'E2E_ADMIN_USERNAME, E2E_ADMIN_EMAIL and E2E_ADMIN_PASSWORD must name the seeded admin ' +
        'account; run the suite through `npm run test:e2e`, which sets them',
    )
  }
  return {
    username: E2E_ADMIN_USERNAME,
    email: E2E_ADMIN_EMAIL,
    password: E2E_ADMIN_PASSWORD,
    displayName: E2E_ADMIN_USERNAME,
  }
}

/** Logs the seeded admin in and returns its access token. */
export async function loginAdmin(): Promise<string> {
  const tokens = await login(adminCredentials())
  expect(tokens.user.role).toBe('admin')
  return tokens.accessToken
}

/** Searches the admin user list; the admin service learns of accounts through auth's events. */
export async function findAdminUser(adminToken: string, username: string): Promise<AdminUser> {
  return eventually(async () => {
    const page = expectJson<Page<AdminUser>>(
      await request(withQuery('/api/admin/users', { q: username }), { token: adminToken }),
      200,
    )
    const found = page.items.find((user) => user.username === username)
    if (!found) throw new Error(`the admin service does not list ${username} yet`)
    return found
  }, eventTimeoutMs)
}
