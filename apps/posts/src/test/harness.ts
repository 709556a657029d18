import { randomBytes } from 'node:crypto'

import { uuidv7 } from '@chatty/contracts'
import { type ServiceHarness, startServiceHarness } from '@chatty/service/testing'
import { createTestIssuer, type TestTokenUser } from '@chatty/testing'

import { createApp } from '../app.js'
import { loadConfig } from '../config.js'
import { createContext, type PostsContext } from '../context.js'
import { limits } from '../domain/rate-limits.js'
import { entities, migrations } from '../orm.js'
import { SERVICE } from '../service.js'

export interface TestUser {
  id: string
  username: string
  role: NonNullable<TestTokenUser['role']>
  token: string
}

export interface PostsHarness extends ServiceHarness<PostsContext, ReturnType<typeof createApp>> {
  /** A user with a valid access token (verified email and role `user` unless told otherwise). */
  user(
    options?: Partial<Omit<TestTokenUser, 'id' | 'username'>> & { label?: string },
  ): Promise<TestUser>
}

/** posts in-process on its own database and exchange names, trusting tokens from a test issuer. */
export async function startPosts(env: Record<string, string> = {}): Promise<PostsHarness> {
  const issuer = await createTestIssuer()
  // Strictly increasing, so posts made in one millisecond still have a definite order.
  let last = 0
  const harness = await startServiceHarness({
    service: SERVICE,
    entities,
    migrations,
    loadConfig,
    createContext,
    createApp,
    env,
    overrides: {
      tokenKeys: issuer.jwks,
      clock: () => {
        last = Math.max(Date.now(), last + 1)
        return new Date(last)
      },
    },
    // One message at a time, so a test can tell that an earlier message was handled too.
    prefetch: 1,
  })
  const userIds: string[] = []
  harness.onClose(async () => {
    if (userIds.length > 0) {
      const keys = Object.values(limits).flatMap((limit) =>
        userIds.map((id) => `rl:${limit.name}:${id}`),
      )
      await harness.ctx.redis.del(...keys)
    }
  })
  return {
    ...harness,
    user: async ({ label = 'u', ...claims } = {}) => {
      const identity = { id: uuidv7(), username: `${label}_${randomBytes(4).toString('hex')}` }
      userIds.push(identity.id)
      return {
        ...identity,
        role: claims.role ?? 'user',
        token: await issuer.sign({ ...identity, ...claims }),
      }
    },
  }
}
