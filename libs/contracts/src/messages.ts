import { z } from 'zod'

import { mediaSchema } from './dto.js'

export const EVENTS_EXCHANGE = 'chatty.events'
export const COMMANDS_EXCHANGE = 'chatty.commands'

/** One kind of message: its name, where it is routed, and the schema of its data. */
export interface MessageDefinition<
  Type extends string = string,
  Schema extends z.ZodType = z.ZodType,
> {
  type: Type
  /** The version producers write into the envelope. */
  version: number
  /**
   * Every envelope version `schema` reads. A consumer dead-letters any other version, since its
   * data may mean something else even where it happens to parse.
   */
  versions: readonly number[]
  exchange: typeof EVENTS_EXCHANGE | typeof COMMANDS_EXCHANGE
  routingKey: string
  schema: Schema
}

export type MessageData<D extends MessageDefinition> = z.infer<D['schema']>

/** Which envelope versions a definition writes and reads; all of them are 1 so far. */
interface Versioning {
  version: number
  versions?: readonly number[]
}

function event<const Type extends string, Schema extends z.ZodType>(
  type: Type,
  routingKey: string,
  schema: Schema,
  { version, versions = [version] }: Versioning = { version: 1 },
): MessageDefinition<Type, Schema> {
  return { type, version, versions, exchange: EVENTS_EXCHANGE, routingKey, schema }
}

function command<const Type extends string, Schema extends z.ZodType>(
  type: Type,
  routingKey: string,
  schema: Schema,
  { version, versions = [version] }: Versioning = { version: 1 },
): MessageDefinition<Type, Schema> {
  return { type, version, versions, exchange: COMMANDS_EXCHANGE, routingKey, schema }
}

const id = z.uuid()
const at = z.iso.datetime({ offset: true })
const role = z.enum(['user', 'moderator', 'admin'])
const visibility = z.enum(['public', 'followers', 'private'])

export const UserRegistered = event(
  'UserRegistered',
  'user.registered',
  z.object({
    userId: id,
    username: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: role.default('user'),
    registeredAt: at,
  }),
)

export const UserEmailVerified = event(
  'UserEmailVerified',
  'user.email_verified',
  z.object({ userId: id, verifiedAt: at }),
)

export const UserProfileUpdated = event(
  'UserProfileUpdated',
  'user.profile_updated',
  z.object({
    userId: id,
    displayName: z.string(),
    bio: z.string(),
    avatarUrl: z.string().nullable(),
  }),
)

export const UserRoleChanged = event(
  'UserRoleChanged',
  'user.role_changed',
  z.object({ userId: id, role, changedBy: id.nullable() }),
)

export const UserBanned = event(
  'UserBanned',
  'user.banned',
  z.object({
    userId: id,
    reason: z.string(),
    bannedBy: id,
    bannedAt: at,
    until: at.nullable().optional(),
  }),
)

export const UserUnbanned = event(
  'UserUnbanned',
  'user.unbanned',
  // unbannedBy is null when a temporary ban expired on its own.
  z.object({ userId: id, unbannedBy: id.nullable(), unbannedAt: at }),
)

export const UserDeleted = event('UserDeleted', 'user.deleted', z.object({ userId: id }))

const postBody = {
  postId: id,
  authorId: id,
  content: z.string(),
  title: z.string().nullable(),
  tags: z.array(z.string()),
  mentions: z.array(z.string()),
  visibility,
}

/** A poll as it was made: it never changes afterwards (its counts travel in PostCountsChanged). */
const pollDefinition = z.object({
  options: z.array(z.string()).min(2),
  multiple: z.boolean(),
  expiresAt: at,
})

export const PostCreated = event(
  'PostCreated',
  'post.created',
  z.object({
    ...postBody,
    createdAt: at,
    // `poll` and `media` are absent from envelopes written before polls and pictures existed;
    // absent means no poll and no pictures, so those envelopes still parse.
    poll: pollDefinition.nullable().optional(),
    // The post's pictures in order, as readers render them.
    media: z.array(mediaSchema).optional(),
  }),
)

export const PostUpdated = event(
  'PostUpdated',
  'post.updated',
  z.object({ ...postBody, updatedAt: at }),
)

export const PostDeleted = event(
  'PostDeleted',
  'post.deleted',
  z.object({ postId: id, authorId: id, deletedBy: id, deletedAt: at }),
)

export const PostTakedownRequested = event(
  'PostTakedownRequested',
  'post.takedown_requested',
  z.object({ postId: id, reason: z.string(), requestedBy: id }),
)

/** A like or repost by `userId` of `postAuthorId`'s post; `at` orders the events of one pair. */
const reaction = z.object({ postId: id, postAuthorId: id, userId: id, at })
export const PostLiked = event('PostLiked', 'post.liked', reaction)
export const PostUnliked = event('PostUnliked', 'post.unliked', reaction)
export const PostReposted = event('PostReposted', 'post.reposted', reaction)
export const PostUnreposted = event('PostUnreposted', 'post.unreposted', reaction)

/**
 * A post's counters as posts last totalled them. `version` grows with every total of the post, so
 * a consumer keeps the highest it has seen whatever order the events arrive in.
 */
export const PostCountsChanged = event(
  'PostCountsChanged',
  'post.counts_changed',
  z.object({
    postId: id,
    likeCount: z.number().int().nonnegative(),
    commentCount: z.number().int().nonnegative(),
    repostCount: z.number().int().nonnegative(),
    /** Votes per option and voters counted, for a post with a poll; absent otherwise. */
    poll: z
      .object({
        votes: z.array(z.number().int().nonnegative()),
        votersCount: z.number().int().nonnegative(),
      })
      .optional(),
    version: z.number().int().positive(),
  }),
)

export const CommentCreated = event(
  'CommentCreated',
  'comment.created',
  z.object({
    commentId: id,
    postId: id,
    postAuthorId: id,
    authorId: id,
    /** The comment this one answers, and its author; null for a comment on the post itself. */
    parentId: id.nullable(),
    parentAuthorId: id.nullable(),
    content: z.string(),
    mentions: z.array(z.string()),
    createdAt: at,
  }),
)

export const CommentUpdated = event(
  'CommentUpdated',
  'comment.updated',
  z.object({
    commentId: id,
    postId: id,
    authorId: id,
    content: z.string(),
    mentions: z.array(z.string()),
    updatedAt: at,
  }),
)

export const CommentDeleted = event(
  'CommentDeleted',
  'comment.deleted',
  z.object({
    commentId: id,
    postId: id,
    postAuthorId: id,
    authorId: id,
    deletedBy: id,
    deletedAt: at,
  }),
)

export const CommentTakedownRequested = event(
  'CommentTakedownRequested',
  'comment.takedown_requested',
  z.object({ commentId: id, reason: z.string(), requestedBy: id }),
)

/** `userId` voted `choices` (option indexes) in the poll of `postAuthorId`'s post; once per pair. */
export const PollVoted = event(
  'PollVoted',
  'poll.voted',
  z.object({
    postId: id,
    postAuthorId: id,
    userId: id,
    choices: z.array(z.number().int().nonnegative()).min(1),
    at,
  }),
)

/**
 * A poll reached its `expiresAt`. Sent once per poll, by whichever posts replica closed it, for the
 * author and every voter to hear about.
 */
export const PollClosed = event(
  'PollClosed',
  'poll.closed',
  z.object({ postId: id, authorId: id, voterIds: z.array(id), closedAt: at }),
)

const follow = z.object({ followerId: id, followeeId: id, at })
export const Followed = event('Followed', 'follow.created', follow)
export const Unfollowed = event('Unfollowed', 'follow.deleted', follow)

export const EMAIL_TEMPLATES = [
  'verify-email',
  'password-reset',
  'password-changed',
  'welcome',
  'account-banned',
] as const
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number]

const emailOutcome = {
  emailId: id,
  userId: id.nullable().optional(),
  to: z.string(),
  template: z.enum(EMAIL_TEMPLATES),
}
export const EmailDelivered = event(
  'EmailDelivered',
  'email.delivered',
  z.object({ ...emailOutcome, deliveredAt: at }),
)
export const EmailFailed = event(
  'EmailFailed',
  'email.failed',
  z.object({ ...emailOutcome, reason: z.string(), failedAt: at }),
)

/** Secrets (codes, reset tokens) travel only in this command, never in a broadcast event. */
export const SendEmail = command(
  'SendEmail',
  'email.send',
  z.object({
    emailId: id,
    to: z.email(),
    userId: id.nullable().optional(),
    template: z.enum(EMAIL_TEMPLATES),
    params: z.record(z.string(), z.string()),
  }),
)

/** Every message definition, for topology and for looking a type up by name. */
export const MESSAGES = [
  UserRegistered,
  UserEmailVerified,
  UserProfileUpdated,
  UserRoleChanged,
  UserBanned,
  UserUnbanned,
  UserDeleted,
  PostCreated,
  PostUpdated,
  PostDeleted,
  PostTakedownRequested,
  PostLiked,
  PostUnliked,
  PostReposted,
  PostUnreposted,
  PostCountsChanged,
  CommentCreated,
  CommentUpdated,
  CommentDeleted,
  CommentTakedownRequested,
  PollVoted,
  PollClosed,
  Followed,
  Unfollowed,
  EmailDelivered,
  EmailFailed,
  SendEmail,
] as const

/** What travels on the wire for every event and command. */
export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: at,
  producer: z.string().min(1),
  correlationId: z.string().nullable(),
  data: z.unknown(),
})

export type Envelope<Data = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & {
  data: Data
}
