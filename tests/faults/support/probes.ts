import { setTimeout as sleep } from 'node:timers/promises'

import { type ApiResponse, post, request } from '../../e2e/support/api.js'

/** One authenticated request per service behind the gateway, to see whether a token works. */
export const AUTHENTICATED_PROBES: Record<string, (token: string) => Promise<ApiResponse>> = {
  auth: (token) => request('/api/auth/me', { token }),
  posts: (token) => post('/api/posts', { content: 'probe' }, { token }),
  subscription: (token) => request('/api/feed', { token }),
}

/** Every status the probes answer for `token`, probing all services once, then again for `ms`. */
export async function probeFor(token: string, ms = 0): Promise<number[]> {
  const statuses: number[] = []
  const deadline = Date.now() + ms
  do {
    const responses = await Promise.all(
      Object.values(AUTHENTICATED_PROBES).map((probe) => probe(token)),
    )
    statuses.push(...responses.map((response) => response.status))
    if (Date.now() < deadline) await sleep(50)
  } while (Date.now() < deadline)
  return statuses
}

/**
 * For each service, how many ms after the call its probe first answered 401 for `token`, or
 * undefined when it did not within `ms`; and the last status seen.
 */
export async function msUntilRefused(
  token: string,
  ms: number,
): Promise<Record<string, { ms: number | undefined; lastStatus: number }>> {
  const start = Date.now()
  const entries = await Promise.all(
    Object.entries(AUTHENTICATED_PROBES).map(async ([service, probe]) => {
      for (;;) {
        const { status } = await probe(token)
        const elapsed = Date.now() - start
        if (status === 401) return [service, { ms: elapsed, lastStatus: status }] as const
        if (elapsed > ms) return [service, { ms: undefined, lastStatus: status }] as const
        await sleep(25)
      }
    }),
  )
  return Object.fromEntries(entries)
}
