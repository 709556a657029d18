import { expect, it } from 'vitest'

import { findAdminUser, loginAdmin } from '../e2e/support/admin.js'
import { expectJson, post } from '../e2e/support/api.js'
import { registerMember } from '../e2e/support/social.js'
import { withBrokerCut } from './support/faults.js'
import { AUTHENTICATED_PROBES, msUntilRefused } from './support/probes.js'

it('refuses a banned user everywhere within 1 s while the broker is cut', async () => {
  const victim = await registerMember()
  const adminToken = await loginAdmin()
  const { id } = await findAdminUser(adminToken, victim.username)
  for (const probe of Object.values(AUTHENTICATED_PROBES)) {
    expect((await probe(victim.token)).status).toBeLessThan(300)
  }

  const refused = await withBrokerCut(async () => {
    expectJson(
      await post(`/api/admin/users/${id}/ban`, { reason: 'fault tier' }, { token: adminToken }),
      200,
    )
    return msUntilRefused(victim.token, 1_000)
  })
  console.log(`[faults] ban with the broker cut, ms until 401: ${JSON.stringify(refused)}`)
  for (const [service, { ms, lastStatus }] of Object.entries(refused)) {
    expect({ service, lastStatus }).toEqual({ service, lastStatus: 401 })
    expect(ms).toBeLessThanOrEqual(1_000)
  }
})
