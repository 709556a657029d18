/** Every Redis key of the service; all under `sub:` (DESIGN §1). */
export const feedKeys = {
  /** Sorted set: score = time in ms, member = post id, or `postId:reposterId` for a repost. */
  feed: (userId: string) => `sub:feed:${userId}`,
  /** Present once a feed holds everything it should, so an empty feed differs from a missing one. */
  feedBuilt: (userId: string) => `sub:feed:${userId}:built`,
  /**
   * Counts removals from a feed; a rebuild writes only if it is unchanged since before it read
   * PostgreSQL, so a removal made meanwhile is never undone.
   */
  feedGeneration: (userId: string) => `sub:feed:${userId}:gen`,
  /**
   * Sorted set of an author's recent non-private posts and reposts, members as in `feed`;
   * readers merge those of celebrities.
   */
  timeline: (authorId: string) => `sub:timeline:${authorId}`,
  timelineBuilt: (authorId: string) => `sub:timeline:${authorId}:built`,
  /** A rendered post (JSON) for feed reads; `v3` since bodies carry counts and polls. */
  post: (postId: string) => `sub:post:v3:${postId}`,
  /** Lives an hour after a feed read, so the last-active time is written at most hourly. */
  active: (userId: string) => `sub:active:${userId}`,
}
