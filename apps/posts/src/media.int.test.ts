import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

import {
  PostTakedownRequested,
  UserBanned,
  UserDeleted,
  UserProfileUpdated,
  UserUnbanned,
  uuidv7,
} from '@chatty/contracts'
import { eventually } from '@chatty/testing'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runMediaCleanup } from './jobs/media-cleanup.js'
import { type PostsHarness, startPosts, type TestUser } from './test/harness.js'

let posts: PostsHarness
const mediaDir = mkdtempSync(join(tmpdir(), 'chatty-media-'))

beforeAll(async () => {
  posts = await startPosts({
    MEDIA_DIR: mediaDir,
    PUBLIC_URL: 'http://chatty.test',
    MEDIA_CLEANUP_INTERVAL_MS: '100',
  })
})

afterAll(async () => {
  await posts?.close()
  rmSync(mediaDir, { recursive: true, force: true })
})

const json = async (res: Response) => (await res.json()) as Record<string, any>

function upload(
  user: TestUser,
  file: { bytes: Uint8Array; name: string; type: string } | null,
  description?: string,
) {
  const form = new FormData()
  if (file) form.append('file', new Blob([file.bytes], { type: file.type }), file.name)
  if (description !== undefined) form.append('description', description)
  return posts.app.request('/api/media', {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'x-real-ip': '10.9.9.9' },
    body: form,
  })
}

async function uploaded(user: TestUser, bytes?: Buffer): Promise<Record<string, any>> {
  const res = await upload(user, {
    bytes: bytes ?? (await picture(320, 200, 'png')),
    name: 'p.png',
    type: 'image/png',
  })
  expect(res.status).toBe(201)
  return json(res)
}

function picture(width: number, height: number, format: 'png' | 'jpeg' | 'webp' | 'gif') {
  return sharp({ create: { width, height, channels: 3, background: '#3a7' } })
    .toFormat(format)
    .toBuffer()
}

/** POST /api/posts as `author` with these uploads. */
function postWith(author: TestUser, content: string, mediaIds: unknown) {
  return posts.request('/api/posts', { body: { content, mediaIds }, token: author.token })
}

/** The stored file behind a media URL. */
const storedFile = (url: string) => join(mediaDir, basename(new URL(url).pathname))

/** Runs the media job as it would run a day and an hour from now, until the file at `url` is gone. */
async function cleanUpADayLaterUntilGone(url: string): Promise<void> {
  const stop = new AbortController()
  const job = runMediaCleanup({
    em: posts.ctx.orm.em,
    store: posts.ctx.mediaStore,
    clock: () => new Date(Date.now() + 25 * 3600_000),
    maxAgeMs: 24 * 3600_000,
    intervalMs: 50,
    signal: stop.signal,
  })
  try {
    await eventually(() => {
      if (existsSync(storedFile(url))) throw new Error(`${url} is still there`)
    }, 10_000)
  } finally {
    stop.abort()
    await job
  }
}

describe('uploading a picture', () => {
  it('stores a JPEG without its EXIF and GPS metadata, upright, with a preview at most 640 px wide', async () => {
    const user = await posts.user({ label: 'up' })
    // 1000×500 stored sideways (EXIF orientation 6), with a camera make and a GPS position.
    const original = await sharp({
      create: { width: 1000, height: 500, channels: 3, background: '#c33' },
    })
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD0: { Make: 'ChattyCam' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' },
      })
      .jpeg()
      .toBuffer()
    expect((await sharp(original).metadata()).exif?.toString('latin1')).toContain('ChattyCam')

    const res = await upload(
      user,
      { bytes: original, name: 'holiday.jpg', type: 'image/jpeg' },
      'A red square',
    )
    expect(res.status).toBe(201)
    const media = await json(res)
    expect(media).toEqual({
      id: expect.any(String),
      type: 'image',
      url: expect.stringMatching(/^http:\/\/chatty\.test\/media\/[\w-]{22}\.jpg$/),
      previewUrl: expect.stringMatching(/^http:\/\/chatty\.test\/media\/[\w-]{22}_p\.jpg$/),
      width: 500,
      height: 1000,
      size: expect.any(Number),
      description: 'A red square',
    })
    const file = readFileSync(storedFile(media.url))
    expect(file.length).toBe(media.size)
    const stored = await sharp(file).metadata()
    expect(stored).toMatchObject({ format: 'jpeg', width: 500, height: 1000 })
    expect(stored.exif).toBeUndefined()
    expect(stored.orientation).toBeUndefined()
    expect(file.includes(Buffer.from('ChattyCam'))).toBe(false)
    const preview = await sharp(readFileSync(storedFile(media.previewUrl))).metadata()
    expect(preview).toMatchObject({ format: 'jpeg', width: 500, height: 1000 })

    const wide = await uploaded(user, await picture(1600, 800, 'webp'))
    const widePreview = await sharp(readFileSync(storedFile(wide.previewUrl))).metadata()
    expect(widePreview).toMatchObject({ format: 'webp', width: 640, height: 320 })
    expect(wide).toMatchObject({ width: 1600, height: 800, description: null })
  })

  it('recognises the type by the bytes: a PNG named .gif is stored as a PNG', async () => {
    const user = await posts.user({ label: 'sniff' })
    const res = await upload(user, {
      bytes: await picture(40, 30, 'png'),
      name: 'cat.gif',
      type: 'image/gif',
    })
    expect(res.status).toBe(201)
    const media = await json(res)
    expect(media.url).toMatch(/\.png$/)
    expect((await sharp(readFileSync(storedFile(media.url))).metadata()).format).toBe('png')
    const gif = await uploaded(user, await picture(40, 30, 'gif'))
    expect(gif.url).toMatch(/\.gif$/)
  })

  it.each([
    ['an HTML page named .png', Buffer.from('<!doctype html><script>alert(1)</script>'), 'x.png'],
    ['a PDF named .jpg', Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\n'), 'x.jpg'],
    ['an empty file', Buffer.alloc(0), 'empty.png'],
  ])('refuses %s with 415', async (_case, bytes, name) => {
    const user = await posts.user({ label: 'bad' })
    const res = await upload(user, { bytes, name, type: 'image/png' })
    expect(res.status).toBe(415)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(await json(res)).toMatchObject({ code: 'unsupported-media-type' })
  })

  it('refuses a truncated image and a decompression bomb with 422, and keeps answering', async () => {
    const user = await posts.user({ label: 'broken' })
    const jpeg = await picture(600, 400, 'jpeg')
    const truncated = await upload(user, {
      bytes: jpeg.subarray(0, Math.floor(jpeg.length / 2)),
      name: 't.jpg',
      type: 'image/jpeg',
    })
    expect(truncated.status).toBe(422)
    expect(await json(truncated)).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'file' }],
    })
    // 8 000 × 8 000 = 64 MP of one colour: a few kilobytes of PNG.
    const bomb = await sharp({
      create: { width: 8000, height: 8000, channels: 3, background: '#000' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer()
    expect(bomb.length).toBeLessThan(1024 * 1024)
    const [bombed, health] = await Promise.all([
      upload(user, { bytes: bomb, name: 'b.png', type: 'image/png' }),
      posts.request('/api/posts/health'),
    ])
    expect(bombed.status).toBe(422)
    expect(health.status).toBe(200)
  })

  it('refuses a file over 8 MB with 413 problem+json', async () => {
    const user = await posts.user({ label: 'big' })
    const bytes = Buffer.alloc(9 * 1024 * 1024, 7)
    bytes.set(await picture(10, 10, 'png'))
    const res = await upload(user, { bytes, name: 'big.png', type: 'image/png' })
    expect(res.status).toBe(413)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(await json(res)).toMatchObject({ code: 'payload-too-large' })
  })

  it('wants multipart with a file and at most 1500 characters of description', async () => {
    const user = await posts.user({ label: 'form' })
    const asJson = await posts.request('/api/media', { body: { file: 'x' }, token: user.token })
    expect(asJson.status).toBe(415)
    const noFile = await upload(user, null, 'only words')
    expect(noFile.status).toBe(422)
    expect(await json(noFile)).toMatchObject({ errors: [{ path: 'file' }] })
    const bytes = await picture(10, 10, 'png')
    const long = await upload(user, { bytes, name: 'a.png', type: 'image/png' }, 'é'.repeat(1501))
    expect(long.status).toBe(422)
    expect(await json(long)).toMatchObject({ errors: [{ path: 'description' }] })
    const longest = await upload(
      user,
      { bytes, name: 'a.png', type: 'image/png' },
      'é'.repeat(1500),
    )
    expect(longest.status).toBe(201)
    const anonymous = await posts.app.request('/api/media', {
      method: 'POST',
      body: new FormData(),
    })
    expect(anonymous.status).toBe(401)
    const unverified = await posts.user({ label: 'unv', emailVerified: false })
    expect((await upload(unverified, { bytes, name: 'a.png', type: 'image/png' })).status).toBe(403)
  })
  it('refuses a NUL character in the description with 422', async () => {
    const user = await posts.user({ label: 'nul' })
    const bytes = await picture(10, 10, 'png')
    const res = await upload(user, { bytes, name: 'a.png', type: 'image/png' }, 'a\u0000b')
    expect(res.status).toBe(422)
    expect(await json(res)).toMatchObject({ errors: [{ path: 'description' }] })
  })

  it('answers a body that ends inside the file with 400, and goes on serving', async () => {
    const user = await posts.user({ label: 'cut' })
    const boundary = 'chattycut'
    const cut = await posts.app.request('/api/media', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user.token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'x-real-ip': '10.9.9.9',
      },
      body: `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n\x89PNG partial`,
    })
    expect(cut.status).toBe(400)
    expect(cut.headers.get('content-type')).toBe('application/problem+json')
    await uploaded(user)
  })
})

describe('pictures on posts', () => {
  it('attaches the author’s uploads in the order given and shows them in every read and in PostCreated', async () => {
    const author = await posts.user({ label: 'att' })
    const first = await uploaded(author)
    const second = await uploaded(author, await picture(50, 60, 'jpeg'))
    const res = await postWith(author, 'Two pictures', [second.id, first.id])
    expect(res.status).toBe(201)
    const post = await json(res)
    expect(post.media).toEqual([second, first])
    expect((await json(await posts.request(`/api/posts/${post.id}`))).media).toEqual([
      second,
      first,
    ])
    const list = await json(await posts.request(`/api/posts?author=${author.username}`))
    expect(list.items).toEqual([expect.objectContaining({ id: post.id, media: [second, first] })])

    const event = await posts.events.next(
      (m) => m.body.type === 'PostCreated' && m.body.data.postId === post.id,
    )
    expect(event.body.data.media).toEqual([second, first])

    const plain = await json(
      await posts.request('/api/posts', { body: { content: 'No pictures' }, token: author.token }),
    )
    expect(plain.media).toEqual([])
  })

  it('refuses another user’s, an unknown, an attached or a repeated upload with 422 on mediaIds', async () => {
    const author = await posts.user({ label: 'own' })
    const other = await posts.user({ label: 'oth' })
    const theirs = await uploaded(other)
    const mine = await uploaded(author)
    const attempt = (mediaIds: unknown) => postWith(author, 'Mine?', mediaIds)

    for (const mediaIds of [[theirs.id], [uuidv7()], [mine.id, mine.id], ['not-an-id']]) {
      const res = await attempt(mediaIds)
      expect(res.status, JSON.stringify(mediaIds)).toBe(422)
      const body = await json(res)
      expect(body.code).toBe('validation-failed')
      expect(body.errors[0].path).toMatch(/^mediaIds/)
    }
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => uploaded(author)))
    expect((await attempt(five.map((media) => media.id))).status).toBe(422)

    expect((await attempt([mine.id])).status).toBe(201)
    const again = await attempt([mine.id])
    expect(again.status).toBe(422)
    expect((await json(again)).errors).toEqual([{ path: 'mediaIds', message: expect.any(String) }])
    // The other user's upload is still theirs to use.
    const used = await postWith(other, 'Mine', [theirs.id])
    expect(used.status).toBe(201)
  })

  it('lets only one of two posts racing for the same upload have it', async () => {
    const author = await posts.user({ label: 'race' })
    const media = await uploaded(author)
    const results = await Promise.all([1, 2].map((n) => postWith(author, `Race ${n}`, [media.id])))
    expect(results.map((res) => res.status).sort()).toEqual([201, 422])
  })
})

describe('removing pictures', () => {
  it('deletes a post’s files with the post, by its author and by a takedown', async () => {
    const author = await posts.user({ label: 'del' })
    const media = await uploaded(author)
    const post = await json(await postWith(author, 'Soon gone', [media.id]))
    expect(existsSync(storedFile(media.url))).toBe(true)
    const res = await posts.request(`/api/posts/${post.id}`, {
      method: 'DELETE',
      token: author.token,
    })
    expect(res.status).toBe(204)
    expect(existsSync(storedFile(media.url))).toBe(false)
    expect(existsSync(storedFile(media.previewUrl))).toBe(false)

    const takenDown = await uploaded(author)
    const reported = await json(await postWith(author, 'Reported', [takenDown.id]))
    await posts.deliver(PostTakedownRequested, {
      postId: reported.id,
      reason: 'spam',
      requestedBy: uuidv7(),
    })
    await eventually(() => {
      if (existsSync(storedFile(takenDown.url))) throw new Error('still there')
    }, 10_000)
    expect(existsSync(storedFile(takenDown.previewUrl))).toBe(false)
  })

  it('deletes uploads never attached once they are older than the limit, and nothing else', async () => {
    const author = await posts.user({ label: 'old' })
    const kept = await uploaded(author)
    await postWith(author, 'Keeps its picture', [kept.id])
    const forgotten = await uploaded(author)
    await cleanUpADayLaterUntilGone(forgotten.url)
    expect(existsSync(storedFile(forgotten.previewUrl))).toBe(false)
    expect(existsSync(storedFile(kept.url))).toBe(true)
    const late = await postWith(author, 'Too late', [forgotten.id])
    expect(late.status).toBe(422)
  })

  it('deletes every picture of a deleted account', async () => {
    const author = await posts.user({ label: 'gone' })
    const attached = await uploaded(author)
    await postWith(author, 'Before leaving', [attached.id])
    const loose = await uploaded(author)
    await posts.deliver(UserDeleted, { userId: author.id })
    await eventually(() => {
      for (const url of [attached.url, attached.previewUrl, loose.url, loose.previewUrl]) {
        if (existsSync(storedFile(url))) throw new Error(`${url} still there`)
      }
    }, 10_000)
  })

  it('keeps a banned account’s pictures, shown again on unban', async () => {
    const author = await posts.user({ label: 'banned' })
    const attached = await uploaded(author)
    const created = await json(await postWith(author, 'Still mine', [attached.id]))
    await posts.deliver(UserBanned, {
      userId: author.id,
      reason: 'spam',
      bannedBy: uuidv7(),
      bannedAt: new Date().toISOString(),
    })
    await posts.deliver(UserUnbanned, {
      userId: author.id,
      unbannedBy: uuidv7(),
      unbannedAt: new Date().toISOString(),
    })
    // The media job runs every 100 ms here: give it a few passes to remove anything it would.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(existsSync(storedFile(attached.url))).toBe(true)
    const shown = await json(await posts.request(`/api/posts/${created.id}`))
    expect(shown.media).toMatchObject([{ id: attached.id, url: attached.url }])
  })

  it('keeps an upload its owner shows as their avatar past the age limit', async () => {
    const owner = await posts.user({ label: 'avatar' })
    const avatar = await uploaded(owner)
    const loose = await uploaded(owner)
    await posts.deliver(UserProfileUpdated, {
      userId: owner.id,
      displayName: 'Avatar Owner',
      bio: '',
      avatarUrl: avatar.url,
    })
    await cleanUpADayLaterUntilGone(loose.url)
    expect(existsSync(storedFile(avatar.url))).toBe(true)
    expect(existsSync(storedFile(avatar.previewUrl))).toBe(true)
  })
})
