import type { Poll as PollShape } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'

import { Poll } from '../entities/poll.entity.js'

/** A poll as its author asks for it with a new post (options trimmed and distinct). */
export interface NewPoll {
  options: string[]
  expiresInMinutes: number
  multiple: boolean
}

/** What never changes about a poll once made. */
export interface PollDefinition {
  options: string[]
  multiple: boolean
  expiresAt: Date
}

/** Records the poll of a post being created, in the caller's transaction. */
export function createPoll(
  em: EntityManager,
  input: { postId: string; poll: NewPoll; now: Date },
): PollDefinition {
  const { postId, poll, now } = input
  const expiresAt = new Date(now.getTime() + poll.expiresInMinutes * 60_000)
  em.create(Poll, {
    postId,
    options: poll.options,
    multiple: poll.multiple,
    expiresAt,
    closedAt: null,
  })
  return { options: poll.options, multiple: poll.multiple, expiresAt }
}

/** A poll as read with its post: the definition, the counted votes and the viewer's choices. */
export interface PollRead extends PollDefinition {
  closedAt: Date | null
  /** Counted votes per option index (at least as many entries as options). */
  votes: readonly number[]
  voters: number
  myChoices: readonly number[] | null
}

/**
 * The API shape of a poll at `now`. It is closed from `expiresAt` on, whether or not the closing
 * job has marked it yet, so reads and votes agree to the millisecond.
 */
export function pollShapeOf(poll: PollRead, now: Date): PollShape {
  const options = poll.options.map((text, option) => ({
    text,
    votes: Math.max(0, poll.votes[option] ?? 0),
  }))
  return {
    options,
    totalVotes: options.reduce((sum, option) => sum + option.votes, 0),
    votersCount: Math.max(0, poll.voters),
    multiple: poll.multiple,
    expiresAt: poll.expiresAt.toISOString(),
    closed: poll.closedAt !== null || now >= poll.expiresAt,
    myChoices: poll.myChoices ? [...poll.myChoices].sort((a, b) => a - b) : null,
  }
}
