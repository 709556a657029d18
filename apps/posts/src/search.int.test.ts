import { randomBytes } from 'node:crypto'

import { Followed, UserRegistered } from '@chatty/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness

beforeAll(async () => {
  posts = await startPosts()
})

afterAll(async () => {
  await posts?.close()
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

/** A made-up word no other test uses, so each test searches its own posts. */
function word(): string {
  return `zq${randomBytes(5)
    .toString('hex')
    .replace(/\d/g, (d) => 'abcdefghij'[Number(d)] ?? d)}`
}

async function member(label = 'm'): Promise<TestUser> {
  const user = await posts.user({ label })
  await posts.deliver(UserRegistered, {
    userId: user.id,
    username: user.username,
    email: `${user.username}@example.test`,
    displayName: user.username,
    role: 'user',
    registeredAt: new Date().toISOString(),
  })
  return user
}

async function publish(author: TestUser, body: Record<string, unknown>) {
  const res = await posts.request('/api/posts', { body, token: author.token })
  expect(res.status).toBe(201)
  return (await json(res)) as { id: string; [key: string]: any }
}

async function like(postId: string, user: TestUser) {
  const res = await posts.request(`/api/posts/${postId}/like`, {
    method: 'POST',
    token: user.token,
  })
  expect(res.status).toBe(200)
}

/** The ids of one page of `GET /api/posts?{query}` and its next cursor. */
async function list(query: string, viewer?: TestUser) {
  const res = await posts.request(`/api/posts?${query}`, { token: viewer?.token })
  expect(res.status).toBe(200)
  const page = await json(res)
  return {
    ids: page.items.map((post: { id: string }) => post.id) as string[],
    items: page.items as Record<string, any>[],
    next: page.nextCursor as string | null,
  }
}

/** Every page of `query`, `limit` at a time, following the cursors. */
async function allPages(query: string, limit: number, viewer?: TestUser) {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const suffix: string = cursor === null ? '' : `&cursor=${cursor}`
    const page = await list(`${query}&limit=${limit}${suffix}`, viewer)
    expect(page.ids.length).toBeLessThanOrEqual(limit)
    ids.push(...page.ids)
    cursor = page.next
  } while (cursor !== null)
  return ids
}

const q = (text: string) => `q=${encodeURIComponent(text)}`

describe('full-text search (?q=)', () => {
  it('finds a post by a word of its content or title and by a quoted phrase, not with -word', async () => {
    const author = await member('fts')
    const key = word()
    const fox = await publish(author, {
      content: `The quick brown fox jumps over the lazy dog ${key}`,
    })
    const dog = await publish(author, { content: `A brown dog, quick to bark ${key}` })
    const titled = await publish(author, { title: `Notes on ${key}`, content: 'nothing else' })
    await publish(author, { content: 'an unrelated post about foxes' })

    expect((await list(q(key))).ids.sort()).toEqual([fox.id, dog.id, titled.id].sort())
    expect((await list(q(`${key} fox`))).ids).toEqual([fox.id])
    expect((await list(q(`"quick brown" ${key}`))).ids).toEqual([fox.id])
    expect((await list(q(`"brown quick" ${key}`))).ids).toEqual([])
    expect((await list(q(`${key} -fox`))).ids.sort()).toEqual([dog.id, titled.id].sort())
    expect((await list(q(`${key} -"brown fox"`))).ids.sort()).toEqual([dog.id, titled.id].sort())
    // English stemming: another form of a word finds it; case does not matter.
    expect((await list(q(`JUMPING ${key}`))).ids).toEqual([fox.id])
    expect((await list(q(word()))).ids).toEqual([])
  })

  it('follows the visibility rules of every other list', async () => {
    const author = await member('vis')
    const follower = await member('fan')
    const stranger = await member('stranger')
    const key = word()
    const open = await publish(author, { content: `open ${key}` })
    const forFollowers = await publish(author, {
      content: `for followers ${key}`,
      visibility: 'followers',
    })
    const secret = await publish(author, { content: `secret ${key}`, visibility: 'private' })
    await posts.deliver(Followed, {
      followerId: follower.id,
      followeeId: author.id,
      at: new Date().toISOString(),
    })

    expect((await list(q(key))).ids).toEqual([open.id])
    expect((await list(q(key), stranger)).ids).toEqual([open.id])
    expect((await list(q(`followers ${key}`), stranger)).ids).toEqual([])
    expect((await list(q(key), follower)).ids.sort()).toEqual([open.id, forFollowers.id].sort())
    expect((await list(q(key), author)).ids.sort()).toEqual(
      [open.id, forFollowers.id, secret.id].sort(),
    )
  })

  it('combines with tag, author and likedBy', async () => {
    const alice = await member('alice')
    const bob = await member('bob')
    const fan = await member('fan')
    const key = word()
    const tag = word()
    const aliceTagged = await publish(alice, { content: `${key} with #${tag}` })
    const aliceUntagged = await publish(alice, { content: `${key} without it` })
    const bobTagged = await publish(bob, { content: `${key} also #${tag}` })
    await publish(bob, { content: `only #${tag}` })
    await like(aliceUntagged.id, fan)
    await like(bobTagged.id, fan)

    expect((await list(`${q(key)}&tag=${tag}`)).ids.sort()).toEqual(
      [aliceTagged.id, bobTagged.id].sort(),
    )
    expect((await list(`${q(key)}&author=${alice.username}`)).ids.sort()).toEqual(
      [aliceTagged.id, aliceUntagged.id].sort(),
    )
    expect((await list(`${q(key)}&tag=${tag}&author=${bob.username}`)).ids).toEqual([bobTagged.id])
    expect((await list(`${q(key)}&likedBy=${fan.username}`)).ids.sort()).toEqual(
      [aliceUntagged.id, bobTagged.id].sort(),
    )
    expect((await list(`${q(key)}&likedBy=${fan.username}&author=${bob.username}`)).ids).toEqual([
      bobTagged.id,
    ])
  })

  it('lists best matches first, ties newest first, and pages through them without gaps or repeats', async () => {
    const author = await member('rank')
    const key = word()
    // Same content, same rank: their order is newest first.
    const plain = []
    for (let i = 0; i < 5; i += 1) plain.push(await publish(author, { content: `just ${key}` }))
    const inTitle = await publish(author, { title: `${key}`, content: `all about ${key}` })
    const twice = await publish(author, { content: `${key} and ${key} again` })

    const first = await list(q(key))
    expect(first.ids).toEqual([inTitle.id, twice.id, ...plain.map((post) => post.id).reverse()])
    for (const limit of [1, 2, 3]) expect(await allPages(q(key), limit)).toEqual(first.ids)
  })

  it('orders a search by time with sort=recent and by likes with sort=popular', async () => {
    const author = await member('sorted')
    const fans = [await member('f1'), await member('f2')]
    const key = word()
    const liked = await publish(author, { content: `${key} liked` })
    const best = await publish(author, { title: key, content: `${key} ${key}` })
    const newest = await publish(author, { content: `${key} newest` })
    for (const fan of fans) await like(liked.id, fan)

    expect((await list(q(key))).ids[0]).toBe(best.id)
    expect((await list(`${q(key)}&sort=recent`)).ids).toEqual([newest.id, best.id, liked.id])
    expect((await list(`${q(key)}&sort=popular`)).ids).toEqual([liked.id, newest.id, best.id])
    expect(await allPages(`${q(key)}&sort=popular`, 1)).toEqual([liked.id, newest.id, best.id])
    expect(await allPages(`${q(key)}&sort=recent`, 2)).toEqual([newest.id, best.id, liked.id])
  })

  it('refuses a cursor made for another order with 400 invalid-cursor', async () => {
    const author = await member('cur')
    const key = word()
    for (let i = 0; i < 3; i += 1) await publish(author, { content: `${key} ${i}` })
    const byRank = await list(`${q(key)}&limit=1`)
    const byTime = await list(`${q(key)}&sort=recent&limit=1`)
    const byLikes = await list(`${q(key)}&sort=popular&limit=1`)
    for (const [query, cursor] of [
      [`${q(key)}&sort=recent`, byRank.next],
      [`${q(key)}&sort=popular`, byRank.next],
      [q(key), byTime.next],
      [q(key), byLikes.next],
      ['sort=popular', byTime.next],
      ['', byLikes.next],
    ]) {
      const res = await posts.request(`/api/posts?${query}&limit=1&cursor=${cursor}`)
      expect(res.status).toBe(400)
      expect((await json(res)).code).toBe('invalid-cursor')
    }
  })

  it('answers 422 naming q for a query of 10 000 characters, and 422 for one with a NUL', async () => {
    for (const text of ['a'.repeat(10_000), 'word '.repeat(41)]) {
      const res = await posts.request(`/api/posts?${q(text)}`)
      expect(res.status).toBe(422)
      expect((await json(res)).errors.map((e: { path: string }) => e.path)).toContain('q')
    }
    expect((await posts.request(`/api/posts?${q('a\u0000b')}`)).status).toBe(422)
  })

  it('treats operators, punctuation, SQL and tsquery syntax as text to search, never failing', async () => {
    const author = await member('odd')
    const key = word()
    const post = await publish(author, { content: `it's ${key} & more | less` })
    const inputs = [
      '',
      ' ',
      "'",
      '"',
      '""',
      '"unclosed',
      '&',
      '|',
      '!',
      '!!!',
      ':*',
      '\\',
      '-',
      '--',
      '- - -',
      'or',
      'OR AND NOT',
      '()',
      '<->',
      '<2>',
      "'; drop table posts; --",
      "' or '1'='1",
      `${key}:*`,
      `${key} & !x | (y <-> z)`,
      `${key}:A`,
      `'${key}'`,
      `${key}\\`,
      `"${key}" -"" -`,
      '%',
      '_',
      'the',
      '😀 ☃ ümlaut',
      '\u200b',
    ]
    for (const text of inputs) {
      const res = await posts.request(`/api/posts?${q(text)}`)
      expect(res.status, JSON.stringify(text)).toBe(200)
      const page = await json(res)
      expect(Array.isArray(page.items), JSON.stringify(text)).toBe(true)
    }
    // Syntax around a real word still finds the post, and nothing above touched the table.
    for (const text of [`${key}:*`, `'${key}'`, `${key}\\`, `it's ${key}`, `${key} & more`]) {
      expect((await list(q(text))).ids, text).toEqual([post.id])
    }
  })
})

describe('popular posts (sort=popular)', () => {
  it('orders by likes, ties newest first, with a cursor that pages without gaps or repeats', async () => {
    const author = await member('pop')
    const fans = await Promise.all([1, 2, 3].map((i) => member(`fan${i}`)))
    const tag = word()
    const one = await publish(author, { content: `one like #${tag}` })
    const three = await publish(author, { content: `three likes #${tag}` })
    const none = await publish(author, { content: `no likes #${tag}` })
    const alsoOne = await publish(author, { content: `one like too #${tag}` })
    const two = await publish(author, { content: `two likes #${tag}` })
    await like(one.id, fans[0]!)
    await like(alsoOne.id, fans[1]!)
    for (const fan of fans) await like(three.id, fan)
    for (const fan of fans.slice(0, 2)) await like(two.id, fan)

    const expected = [three.id, two.id, alsoOne.id, one.id, none.id]
    const page = await list(`tag=${tag}&sort=popular`)
    expect(page.ids).toEqual(expected)
    expect(page.items.map((post) => post.likeCount)).toEqual([3, 2, 1, 1, 0])
    for (const limit of [1, 2, 4]) {
      expect(await allPages(`tag=${tag}&sort=popular`, limit)).toEqual(expected)
    }
    // Newest first stays the default.
    expect((await list(`tag=${tag}`)).ids).toEqual([two.id, alsoOne.id, none.id, three.id, one.id])
  })

  it('continues after the like count it saw when likes change between pages', async () => {
    const author = await member('move')
    const fans = await Promise.all([1, 2].map((i) => member(`mv${i}`)))
    const tag = word()
    const top = await publish(author, { content: `top #${tag}` })
    const middle = await publish(author, { content: `middle #${tag}` })
    const bottom = await publish(author, { content: `bottom #${tag}` })
    for (const fan of fans) await like(top.id, fan)
    await like(middle.id, fans[0]!)

    const first = await list(`tag=${tag}&sort=popular&limit=1`)
    expect(first.ids).toEqual([top.id])
    // Between pages the top post gains a like and the bottom one ties the middle one (and is
    // newer): the next page goes on below the count seen, so the top post is not shown again.
    await like(top.id, await member('late'))
    await like(bottom.id, fans[1]!)
    const rest = await list(`tag=${tag}&sort=popular&limit=5&cursor=${first.next}`)
    expect(rest.ids).toEqual([bottom.id, middle.id])
  })
})
