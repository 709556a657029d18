import { defineEntity, type InferEntity, p } from '@mikro-orm/core'

/**
 * The poll of a post, from its PostCreated; it never changes. Kept beside the post projection
 * rather than on it, so a PostUpdated that overtakes the PostCreated (and creates the post row)
 * cannot cost the post its poll. Counts come with PostCountsChanged (`post_counts`).
 */
export const Poll = defineEntity({
  name: 'Poll',
  tableName: 'polls',
  properties: {
    postId: p.uuid().primary(),
    options: p.array(),
    multiple: p.boolean(),
    expiresAt: p.datetime(),
  },
})

export type PollRow = InferEntity<typeof Poll>
