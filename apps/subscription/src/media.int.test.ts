import { type Media, PostCreated, PostUpdated, uuidv7 } from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { nextPostTime, startSubscription, type SubscriptionHarness } from './test/harness.js'

let sub: SubscriptionHarness

beforeAll(async () => {
  sub = await startSubscription()
})

afterAll(async () => {
  await sub?.close()
})

function picture(name: string): Media {
  return {
    id: uuidv7(),
    type: 'image',
    url: `http://chatty.test/media/${name}.jpg`,
    previewUrl: `http://chatty.test/media/${name}_p.jpg`,
    width: 800,
    height: 600,
    size: 12_345,
    description: name === 'first' ? 'The first one' : null,
  }
}

describe('pictures in the feed', () => {
  it('shows a post’s pictures, in order, in its followers’ feed items', async () => {
    const [author, follower] = [await sub.registerUser('pics'), await sub.registerUser('viewer')]
    await sub.follow(follower, author)
    expect(await sub.feedIds(follower)).toEqual([])
    const media = [picture('first'), picture('second')]
    const createdAt = nextPostTime().toISOString()
    const postId = uuidv7()
    const base = {
      postId,
      authorId: author.id,
      content: 'Look',
      title: null,
      tags: [],
      mentions: [],
      visibility: 'public' as const,
    }
    await sub.deliver(PostCreated, { ...base, createdAt, media })
    // An envelope from before pictures has none.
    const older = uuidv7()
    await sub.deliver(PostCreated, {
      ...base,
      postId: older,
      createdAt: nextPostTime().toISOString(),
    })

    const page = await sub.readFeed(follower)
    expect(page.items.map((item) => [item.post.id, item.post.media])).toEqual([
      [older, []],
      [postId, media],
    ])
  })

  it('keeps the pictures when a PostUpdated overtook the PostCreated', async () => {
    const author = await sub.registerUser('overtaken')
    const media = [picture('late')]
    const postId = uuidv7()
    const createdAt = nextPostTime()
    const base = {
      postId,
      authorId: author.id,
      title: null,
      tags: [],
      mentions: [],
      visibility: 'public' as const,
    }
    await sub.deliver(PostUpdated, {
      ...base,
      content: 'Edited',
      updatedAt: new Date(createdAt.getTime() + 1000).toISOString(),
    })
    expect((await sub.readFeed(author)).items[0]?.post.media).toEqual([])
    await sub.deliver(PostCreated, {
      ...base,
      content: 'Original',
      createdAt: createdAt.toISOString(),
      media,
    })
    const [item] = (await sub.readFeed(author)).items
    expect(item?.post).toMatchObject({ id: postId, content: 'Edited', media })
  })
})
