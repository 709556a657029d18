/** Access tokens refused before they expire (DESIGN §7). */
export interface Revocations {
  /** Sessions whose access tokens are refused from now on. */
  sessions?: readonly string[]
  /** Accounts whose access tokens issued up to `since` are refused. */
  users?: readonly { id: string; since: Date }[]
}

/**
 * Where the service that decides a revocation writes it so every service refuses the tokens on
 * their next request (Redis marks, in production). `write` throws when it cannot, so a caller
 * that writes before it commits fails whole.
 */
export interface RevocationMarks {
  write(revocations: Revocations): Promise<void>
}
