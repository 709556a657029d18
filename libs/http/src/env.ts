import type { Logger } from '@chatty/logger'

export type Role = 'user' | 'moderator' | 'admin'

/** Who made the request, from a verified access token. */
export interface AuthUser {
  id: string
  username: string
  sessionId: string
  role: Role
  emailVerified: boolean
  /** The token's `iat` in seconds, which a user's block mark is compared with. */
  issuedAt: number
}

/** Hono environment shared by every service. */
export interface AppEnv {
  Variables: {
    requestId: string
    logger: Logger
    clientIp: string
    user: AuthUser | undefined
  }
}
