import {
  CommentCreated,
  CommentDeleted,
  CommentTakedownRequested,
  CommentUpdated,
  EmailDelivered,
  EmailFailed,
  Followed,
  type MessageDefinition,
  PollClosed,
  PollVoted,
  PostCountsChanged,
  PostCreated,
  PostDeleted,
  PostLiked,
  PostReposted,
  PostTakedownRequested,
  PostUnliked,
  PostUnreposted,
  PostUpdated,
  SendEmail,
  Unfollowed,
  UserBanned,
  UserDeleted,
  UserEmailVerified,
  UserProfileUpdated,
  UserRegistered,
  UserRoleChanged,
  UserUnbanned,
} from '@chatty/contracts'
import { type Channel, connect } from 'amqplib'

import { type MessagingNames, messagingNames } from './names.js'

/** One consuming service: the queue it reads and the messages bound to it. */
export interface Subscription {
  service: string
  queue: string
  messages: readonly MessageDefinition[]
}

export type Topology = readonly Subscription[]

/**
 * Who consumes what (DESIGN.md §4). Producers declare these queues as well as consumers, so a
 * message published before its consumer ever started still has a queue to wait in.
 */
export const CHATTY_TOPOLOGY: Topology = [
  {
    service: 'auth',
    queue: 'auth.events',
    messages: [
      UserRoleChanged,
      UserBanned,
      UserUnbanned,
      UserDeleted,
      // The profile's follow and post counters.
      Followed,
      Unfollowed,
      PostCreated,
      PostDeleted,
    ],
  },
  {
    service: 'posts',
    queue: 'posts.events',
    messages: [
      UserRegistered,
      UserProfileUpdated,
      UserBanned,
      UserUnbanned,
      UserDeleted,
      PostTakedownRequested,
      CommentTakedownRequested,
      Followed,
      Unfollowed,
    ],
  },
  {
    service: 'subscription',
    queue: 'subscription.events',
    messages: [
      UserRegistered,
      UserProfileUpdated,
      UserBanned,
      UserUnbanned,
      UserDeleted,
      PostCreated,
      PostUpdated,
      PostDeleted,
      // Counts and the …ByMe flags of feed items, and reposts as feed entries.
      PostCountsChanged,
      PostLiked,
      PostUnliked,
      PostReposted,
      PostUnreposted,
      // Each voter's choices, for `myChoices` in feed items.
      PollVoted,
      // Its own follow events: the feed backfill and removal run here, retried on failure.
      Followed,
      Unfollowed,
    ],
  },
  {
    service: 'admin',
    queue: 'admin.events',
    messages: [
      UserRegistered,
      UserEmailVerified,
      UserProfileUpdated,
      UserRoleChanged,
      UserDeleted,
      // Posts and comments as they read now: the report queue and the takedowns.
      PostCreated,
      PostUpdated,
      PostDeleted,
      CommentCreated,
      CommentUpdated,
      CommentDeleted,
      EmailDelivered,
      EmailFailed,
    ],
  },
  {
    service: 'notifications',
    queue: 'notifications.events',
    messages: [
      // Actors' names and standing, and who is gone.
      UserRegistered,
      UserProfileUpdated,
      UserBanned,
      UserUnbanned,
      UserDeleted,
      // Who may see a followers-only post, and the follow notification.
      Followed,
      Unfollowed,
      // Author, visibility and excerpt of posts, and mentions.
      PostCreated,
      PostUpdated,
      PostDeleted,
      PostLiked,
      PostUnliked,
      PostReposted,
      PostUnreposted,
      CommentCreated,
      CommentDeleted,
      PollClosed,
    ],
  },
  { service: 'email-consumer', queue: 'email.send', messages: [SendEmail] },
]

/** How long a failed message waits before each retry, unless a consumer is told otherwise. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 10_000, 60_000]

/** Redeliveries (consumer crashes, requeues) after which a quorum queue dead-letters a message. */
export const DELIVERY_LIMIT = 10

export function findSubscription(topology: Topology, service: string): Subscription {
  const subscription = topology.find((entry) => entry.service === service)
  if (!subscription) throw new Error(`No subscription for service "${service}" in the topology`)
  return subscription
}

/** Exchanges, every main queue with its dead-letter queue, and their bindings. Idempotent. */
export async function declareTopology(
  channel: Channel,
  names: MessagingNames,
  topology: Topology,
): Promise<void> {
  await channel.assertExchange(names.eventsExchange, 'topic', { durable: true })
  await channel.assertExchange(names.commandsExchange, 'direct', { durable: true })
  for (const { queue: name, messages } of topology) {
    const queue = names.queue(name)
    const deadLetterQueue = names.deadLetterQueue(queue)
    await channel.assertQueue(deadLetterQueue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    })
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': DELIVERY_LIMIT,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': deadLetterQueue,
      },
    })
    for (const message of messages) {
      await channel.bindQueue(queue, names.exchangeFor(message), message.routingKey)
    }
  }
}

/** Wait queues that hold a failed message for `delayMs`, then dead-letter it back to `queue`. */
export async function declareRetryQueues(
  channel: Channel,
  names: MessagingNames,
  queue: string,
  delaysMs: readonly number[],
): Promise<void> {
  for (const delayMs of delaysMs) {
    await channel.assertQueue(names.retryQueue(queue, delayMs), {
      durable: true,
      arguments: {
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queue,
      },
    })
  }
}

/** Every queue the topology and its consumers' retry tiers create under `names`. */
export function topologyQueues(
  names: MessagingNames,
  topology: Topology,
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): string[] {
  return topology.flatMap(({ queue: name }) => {
    const queue = names.queue(name)
    return [
      queue,
      names.deadLetterQueue(queue),
      ...retryDelaysMs.map((delayMs) => names.retryQueue(queue, delayMs)),
    ]
  })
}

/**
 * Deletes the exchanges and queues of a prefix: quorum queues outlive their connections, so test
 * runs and throwaway stacks remove theirs. Messages still in them are lost; never for production.
 */
export async function deleteTopology(
  channel: Channel,
  names: MessagingNames,
  topology: Topology,
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): Promise<void> {
  if (!names.prefix) throw new Error('refusing to delete the unprefixed production topology')
  for (const queue of topologyQueues(names, topology, retryDelaysMs)) {
    await channel.deleteQueue(queue)
  }
  await channel.deleteExchange(names.eventsExchange)
  await channel.deleteExchange(names.commandsExchange)
}

/** Connects, deletes everything declared under `prefix` (see deleteTopology), disconnects. */
export async function removePrefixedTopology(
  url: string,
  prefix: string,
  retryDelaysMs?: readonly number[],
  topology: Topology = CHATTY_TOPOLOGY,
): Promise<void> {
  const connection = await connect(url)
  try {
    const channel = await connection.createChannel()
    await deleteTopology(channel, messagingNames(prefix), topology, retryDelaysMs)
    await channel.close()
  } finally {
    await connection.close()
  }
}
