/**
 * An account's standing as every service's projection records it from auth's and admin's events.
 * Each service keeps `status`, `bannedUntil` and `moderatedAt` on its own copy of the account and
 * asks these functions, so "is this account banned at time t" has one answer everywhere.
 */
export type AccountStatus = 'active' | 'banned' | 'deleted'

export interface Standing {
  status: AccountStatus
  /** The end of a temporary ban; none for a permanent one, or when not banned. */
  bannedUntil?: Date | null
}

/**
 * Banned at `now`: a permanent ban, or a temporary one not yet over. A temporary ban whose end has
 * passed no longer counts, even before its UserUnbanned (which may still be on its way) arrives.
 */
export function isBannedAt(account: Standing, now: Date): boolean {
  return account.status === 'banned' && (account.bannedUntil == null || account.bannedUntil > now)
}

/** Whether the account may act and be shown at `now`: neither deleted nor banned. */
export function isInGoodStanding(account: Standing, now: Date): boolean {
  return account.status !== 'deleted' && !isBannedAt(account, now)
}

/**
 * Whether a moderation event that happened at `at` is older than the last one applied to the
 * account, so applying it would undo a newer decision (events may arrive out of order).
 */
export function isStaleModeration(account: { moderatedAt?: Date | null }, at: Date): boolean {
  return account.moderatedAt != null && account.moderatedAt > at
}
