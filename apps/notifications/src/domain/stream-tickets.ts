import { randomBytes } from 'node:crypto'

import type { AuthUser } from '@chatty/http'
import type { Redis } from 'ioredis'
import { z } from 'zod'

const ticketKey = (ticket: string) => `notif:ticket:${ticket}`

const ticketUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  sessionId: z.string(),
  role: z.enum(['user', 'moderator', 'admin']),
  emailVerified: z.boolean(),
  issuedAt: z.number(),
})

/**
 * A single-use ticket that stands for `user` when opening the stream (browsers' EventSource sends
 * no headers, and an access token in a URL lands in logs). Kept in Redis for `ttlSeconds`.
 */
export async function issueStreamTicket(
  redis: Redis,
  user: AuthUser,
  ttlSeconds: number,
): Promise<string> {
  const ticket = randomBytes(32).toString('base64url')
  await redis.set(ticketKey(ticket), JSON.stringify(user), 'EX', ttlSeconds)
  return ticket
}

/** The user a ticket stands for, once: GETDEL takes it out as it reads it. */
export async function redeemStreamTicket(
  redis: Redis,
  ticket: string,
): Promise<AuthUser | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined
  const stored = await redis.getdel(ticketKey(ticket))
  if (stored === null) return undefined
  const parsed = ticketUserSchema.safeParse(JSON.parse(stored))
  return parsed.success ? parsed.data : undefined
}
