import { Agent, request as httpRequest } from 'node:http'
import type { Socket } from 'node:net'

import { describe, expect, it } from 'vitest'

import {
  baseUrl,
  expectFieldError,
  expectJson,
  expectProblem,
  type Media,
  patch,
  type Post,
  post,
  type PublicUser,
  request,
} from './support/api.js'
import { png } from './support/images.js'
import {
  type Member,
  readFeed,
  registerMember,
  startFollowing,
  waitForFeedToContain,
} from './support/social.js'

async function upload(member: Member, bytes: Buffer, name: string, description?: string) {
  const form = new FormData()
  form.append('file', new Blob([bytes], { type: 'image/png' }), name)
  if (description !== undefined) form.append('description', description)
  const response = await fetch(`${baseUrl}/api/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${member.token}` },
    body: form,
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text ? (JSON.parse(text) as unknown) : undefined,
  }
}

async function uploaded(member: Member, description?: string): Promise<Media> {
  return expectJson<Media>(await upload(member, png(800, 400), 'photo.png', description), 201)
}

/** The gateway's copy of a media URL (PUBLIC_URL may name the gateway differently). */
const throughGateway = (url: string) => `${baseUrl}${new URL(url).pathname}`

describe('pictures', () => {
  it('stores an upload that nginx then serves with its exact type, nosniff and long caching', async () => {
    const member = await registerMember()
    const media = await uploaded(member, 'Grey rectangle')
    expect(media).toEqual({
      id: expect.any(String),
      type: 'image',
      url: expect.stringMatching(/\/media\/[\w-]+\.png$/),
      previewUrl: expect.stringMatching(/\/media\/[\w-]+\.png$/),
      width: 800,
      height: 400,
      size: expect.any(Number),
      description: 'Grey rectangle',
    })
    for (const url of [media.url, media.previewUrl]) {
      const served = await fetch(throughGateway(url))
      expect(served.status).toBe(200)
      expect(served.headers.get('content-type')).toBe('image/png')
      expect(served.headers.get('x-content-type-options')).toBe('nosniff')
      expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      const bytes = Buffer.from(await served.arrayBuffer())
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
    }
    const file = await fetch(throughGateway(media.url))
    expect(Number(file.headers.get('content-length'))).toBe(media.size)
    expect((await fetch(`${baseUrl}/media/`)).status).toBe(404)
  })

  it('refuses an HTML page named .png with 415', async () => {
    const member = await registerMember()
    const html = Buffer.from('<!doctype html><script>alert(document.cookie)</script>')
    expectProblem(await upload(member, html, 'innocent.png'), 415, 'unsupported-media-type')
  })

  it('shows the pictures in the post and in the follower’s feed item', async () => {
    const author = await registerMember()
    const follower = await registerMember()
    await startFollowing(follower, author.username)
    const [first, second] = [await uploaded(author), await uploaded(author, 'Second')]
    const created = expectJson<Post>(
      await post(
        '/api/posts',
        { content: 'With pictures', mediaIds: [first?.id, second?.id] },
        { token: author.token },
      ),
      201,
    )
    expect(created.media).toEqual([first, second])
    expect(expectJson<Post>(await request(`/api/posts/${created.id}`), 200).media).toEqual([
      first,
      second,
    ])

    await waitForFeedToContain(follower, created.id)
    const { items } = await readFeed(follower)
    expect(items.find((item) => item.post.id === created.id)?.post).toEqual(created)
  })

  it('refuses another user’s upload on a post with 422', async () => {
    const owner = await registerMember()
    const thief = await registerMember()
    const media = await uploaded(owner)
    expectFieldError(
      await post(
        '/api/posts',
        { content: 'Not mine', mediaIds: [media.id] },
        { token: thief.token },
      ),
      'mediaIds',
    )
  })

  it('answers a 9 MB upload with 413 problem+json and keeps the connection for the next request', async () => {
    const member = await registerMember()
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const boundary = 'chatty-e2e-boundary'
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      ),
      png(16, 16),
      Buffer.alloc(9 * 1024 * 1024, 1),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    const send = (path: string, method: string, payload?: Buffer) =>
      new Promise<{ status: number; type: string; text: string; socket: Socket }>(
        (resolve, reject) => {
          const outgoing = httpRequest(`${baseUrl}${path}`, {
            method,
            agent,
            headers: payload
              ? {
                  authorization: `Bearer ${member.token}`,
                  'content-type': `multipart/form-data; boundary=${boundary}`,
                  'content-length': String(payload.length),
                }
              : {},
          })
          outgoing.on('error', reject)
          outgoing.on('response', (response) => {
            let text = ''
            response.setEncoding('utf8')
            response.on('data', (chunk: string) => (text += chunk))
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                type: response.headers['content-type'] ?? '',
                text,
                socket: outgoing.socket as Socket,
              }),
            )
          })
          outgoing.end(payload)
        },
      )
    try {
      const refused = await send('/api/media', 'POST', body)
      expect(refused.status).toBe(413)
      expect(refused.type).toBe('application/problem+json')
      expect(JSON.parse(refused.text)).toMatchObject({ code: 'payload-too-large', status: 413 })
      const next = await send('/api/posts/health', 'GET')
      expect(next.status).toBe(200)
      expect(next.socket).toBe(refused.socket)
    } finally {
      agent.destroy()
    }
  })

  it('lets a member use an uploaded picture as their avatar', async () => {
    const member = await registerMember()
    const media = await uploaded(member)
    expectJson(await patch('/api/users/me', { avatarUrl: media.url }, { token: member.token }), 200)
    const profile = expectJson<PublicUser>(await request(`/api/users/${member.username}`), 200)
    expect(profile.avatarUrl).toBe(media.url)
    expect((await fetch(throughGateway(profile.avatarUrl ?? ''))).status).toBe(200)
  })
})
