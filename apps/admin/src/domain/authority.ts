import type { Role } from '../entities/user.entity.js'

export interface Actor {
  id: string
  role: Role
}

export type Refusal = 'self' | 'outranked'

/**
 * Whether `actor` may ban or unban `target`: never themselves, never an admin, and a moderator
 * only plain users.
 */
export function moderationRefusal(
  actor: Actor,
  target: { id: string; role: Role },
): Refusal | undefined {
  if (actor.id === target.id) return 'self'
  if (target.role === 'admin') return 'outranked'
  if (actor.role === 'admin') return undefined
  if (actor.role === 'moderator' && target.role === 'user') return undefined
  return 'outranked'
}
