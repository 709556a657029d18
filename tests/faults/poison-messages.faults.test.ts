import { PostCreated, uuidv7 } from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import { expect, it } from 'vitest'

import {
  publish,
  registerMember,
  startFollowing,
  waitForFeedToContain,
} from '../e2e/support/social.js'
import { deadLetterQueueOf, drainQueue, publishRawEvent } from './support/faults.js'
import { allFeedPostIds } from './support/traffic.js'

it('dead-letters poison and unknown-version messages and keeps consuming', async () => {
  const [author, follower] = await Promise.all([registerMember(), registerMember()])
  await startFollowing(follower, author.username)
  const dlq = deadLetterQueueOf('subscription')
  await drainQueue(dlq)

  const envelope = (version: number, data: unknown) => ({
    id: uuidv7(),
    type: PostCreated.type,
    version,
    occurredAt: new Date().toISOString(),
    producer: 'faults',
    correlationId: null,
    data,
  })
  const futurePostId = uuidv7()
  const unknownVersion = envelope(99, {
    postId: futurePostId,
    authorId: author.id,
    content: 'from a future version of posts',
    title: null,
    tags: [],
    mentions: [],
    visibility: 'public',
    createdAt: new Date().toISOString(),
  })
  const poison: Record<string, Buffer> = {
    'invalid JSON': Buffer.from('{"id": "not closed'),
    'not an envelope': Buffer.from(JSON.stringify({ hello: 'world' })),
    'schema-invalid data': Buffer.from(JSON.stringify(envelope(1, { postId: 42 }))),
    'unknown version 99': Buffer.from(JSON.stringify(unknownVersion)),
  }
  const kinds = new Map(Object.keys(poison).map((kind) => [uuidv7(), kind]))
  for (const [messageId, kind] of kinds) {
    await publishRawEvent(PostCreated, poison[kind] as Buffer, {
      messageId,
      type: PostCreated.type,
    })
  }

  const deadLettered: string[] = []
  const missing = () =>
    [...kinds].filter(([id]) => !deadLettered.includes(id)).map(([, kind]) => kind)
  await eventually(
    async () => {
      deadLettered.push(...(await drainQueue(dlq)))
      expect(missing()).toEqual([])
    },
    10_000,
    250,
  ).catch(() => undefined)
  console.log(
    `[faults] ${dlq}: ${kinds.size - missing().length} of ${kinds.size} poison messages dead-lettered; missing: ${missing().join(', ') || 'none'}`,
  )

  const normal = await publish(author)
  const publishedAt = Date.now()
  await waitForFeedToContain(follower, normal.id, 10_000)
  console.log(
    `[faults] a normal post reached the follower's feed ${Date.now() - publishedAt} ms later`,
  )
  expect(missing(), 'poison messages that never reached the DLQ').toEqual([])
  expect(await allFeedPostIds(follower)).not.toContain(futurePostId)
})
